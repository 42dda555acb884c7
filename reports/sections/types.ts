/**
 * A study's part of the report: what it measured, as text, tables and
 * figures. Each study has one ReportSection (sections/index.ts); the rest of
 * the report (title block, author's notes, word count, appendix, HTML, PDF)
 * is shared. A section reads its own result files and returns plain data;
 * the templates print it (templates/partials/table.hbs, figure.hbs).
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Task } from '../../experiments/contracts/domain.js';
import type { RunFiles } from '../run-files.js';
import type { Lang } from '../terms.js';

export interface HeadCell {
  text: string;
  colspan?: number;
  rowspan?: number;
  /** 'text' aligns left; default right (numbers) */
  cls?: string;
}

export interface BodyCell {
  text: string;
  /** footnote marks, comma-separated */
  marks?: string;
  /** a small note after the value, e.g. "(n = 3)" */
  note?: string;
  cls?: string;
}

export interface TableView {
  id: string;
  caption: string;
  head: HeadCell[][];
  rows: BodyCell[][];
  footnotes: { mark: string; text: string }[];
}

export interface FigureView {
  id: string;
  caption: string;
  spec: TopLevelSpec;
}

export type Block = { table: TableView } | { figure: FigureView };

export interface SectionBody {
  task: Task;
  runId: string;
  /** when the run was measured (ISO date) */
  measuredAt: string;
  /** the "Experimental set-up" paragraph */
  setup: string;
  /** lines shown prominently under the title, e.g. that a quick run is a smoke run */
  banners: string[];
  /** tables and figures, in reading order */
  blocks: Block[];
  /** generated, factual sentences */
  observations: string[];
  /** an analysis generated from the data, shown (and labelled) when the author wrote none */
  analysis: string[];
  /** the result files the appendix links, besides plan, environment and logs */
  files: { href: string; text: string }[];
  warnings: string[];
}

export interface ReportSection {
  build(run: RunFiles, lang: Lang): SectionBody;
}
