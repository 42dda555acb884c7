/**
 * The author's notes file: YAML front matter for the header fields and
 * Markdown sections for the prose the report must not invent. Pure: takes
 * the file text, returns fields, rendered sections and their word counts.
 *
 *   ---
 *   name: Jane Doe
 *   studentId: "12345678"
 *   supervisor: Dr A. Smith
 *   title: Scaling CloudDetect on Kubernetes
 *   ---
 *   ## Analysis        (≈1000 words explaining the observations)
 *   ## Challenges      (three distributed-systems challenges, ≈500 words)
 *   ## References      (optional, not counted)
 */
import * as yaml from 'js-yaml';
import { marked, type Token } from 'marked';
import { z } from 'zod';
import { countTokenWords } from './words.js';

export const HEADER_FIELDS = ['name', 'studentId', 'supervisor', 'title'] as const;
export type HeaderField = (typeof HEADER_FIELDS)[number];
export type HeaderFields = Partial<Record<HeaderField, string>>;

// an empty key (`name:` as in the skeleton) is YAML null: treated as not given
const text = z.union([z.string(), z.number(), z.null()])
  .transform((v) => (v === null ? undefined : String(v).trim()))
  .pipe(z.string().min(1).optional());

export const HeaderSchema = z.object({
  name: text.optional(),
  studentId: text.optional(),
  supervisor: text.optional(),
  title: text.optional(),
});

export type SectionKey = 'analysis' | 'challenges' | 'references';

export interface NotesSection {
  key: SectionKey | 'other';
  heading: string;
  html: string;
  words: number;
}

export interface Notes {
  fields: HeaderFields;
  sections: NotesSection[];
  warnings: string[];
}

const SECTION_NAMES: Record<SectionKey, RegExp> = {
  analysis: /^(analysis|observations|discussion|results? analysis|结果分析|分析|观察)/i,
  challenges: /^(challenges?|distributed[- ]systems? challenges?|分布式系统挑战|挑战)/i,
  references: /^(references|bibliography|参考文献)/i,
};

const ALIASES: Record<string, HeaderField> = { student_id: 'studentId', 'student-id': 'studentId', id: 'studentId', author: 'name', fullName: 'name' };

function frontMatter(source: string, file: string, warnings: string[]): { fields: HeaderFields; body: string } {
  const match = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(source);
  if (!match) return { fields: {}, body: source };
  let raw: unknown;
  try {
    raw = yaml.load(match[1] ?? '');
  } catch (err) {
    throw new Error(`${file}: front matter is not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
  const entries = Object.entries(raw !== null && typeof raw === 'object' ? raw : {}).map(([k, v]) => [ALIASES[k] ?? k, v] as const);
  const unknown = entries.map(([k]) => k).filter((k) => !(HEADER_FIELDS as readonly string[]).includes(k));
  if (unknown.length > 0) warnings.push(`${file}: front matter key(s) ${unknown.join(', ')} ignored (known: ${HEADER_FIELDS.join(', ')})`);
  const parsed = HeaderSchema.safeParse(Object.fromEntries(entries.filter(([k]) => !unknown.includes(k))));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: front matter field ${issue?.path.join('.')}: ${issue?.message}`);
  }
  // drop keys left empty so they cannot hide a value from plan.json
  const fields = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)) as HeaderFields;
  return { fields, body: source.slice(match[0].length) };
}

function classify(heading: string): SectionKey | 'other' {
  for (const [key, pattern] of Object.entries(SECTION_NAMES) as [SectionKey, RegExp][]) if (pattern.test(heading.trim())) return key;
  return 'other';
}

export function parseNotes(source: string, file: string): Notes {
  const warnings: string[] = [];
  const { fields, body } = frontMatter(source, file, warnings);
  const tokens = marked.lexer(body);
  const groups: { heading: string; tokens: Token[] }[] = [];
  const before: Token[] = [];
  for (const token of tokens) {
    if (token.type === 'heading' && token.depth <= 2) groups.push({ heading: token.text, tokens: [] });
    else (groups.at(-1)?.tokens ?? before).push(token);
  }
  if (countTokenWords(before) > 0) warnings.push(`${file}: text before the first "## " heading is ignored; put it under "## Analysis" or "## Challenges"`);
  const sections = groups.map(({ heading, tokens: group }) => ({
    key: classify(heading),
    heading,
    html: marked.parser(Object.assign(group, { links: tokens.links })),
    words: countTokenWords(group),
  }));
  for (const key of ['analysis', 'challenges'] as const) {
    if (!sections.some((s) => s.key === key && s.words > 0)) warnings.push(`${file}: no text under "## ${key[0]!.toUpperCase()}${key.slice(1)}"; the report shows a placeholder`);
  }
  return { fields, sections, warnings };
}

/** What the CLI suggests writing when the notes file is missing. */
export function notesSkeleton(): string {
  return [
    '---', 'name:        # your full name', 'studentId:   # quoted, e.g. "12345678"', 'supervisor:  # your supervisor', 'title:       # the report title', '---', '',
    '## Analysis', '', '<!-- about 1000 words explaining the observations: scaling, the two client locations, variability, bottlenecks -->', '',
    '## Challenges', '', '<!-- three distributed-systems challenges, each with an example from this project and how it was handled (about 500 words) -->', '',
    '## References', '', '<!-- optional; not counted -->', '',
  ].join('\n');
}
