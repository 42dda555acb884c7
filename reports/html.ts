/**
 * Template context → one self-contained HTML file: the layout and partials
 * from templates/, the stylesheet inlined, charts as inline SVG. Nothing is
 * fetched when the page opens, so the file can be mailed or archived alone.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import type { ReportContext } from './view.js';

const TEMPLATES = fileURLToPath(new URL('../templates/', import.meta.url));

const FONT_STACK: Record<'en' | 'zh', string> = {
  en: '"Times New Roman", Times, "Liberation Serif", serif',
  zh: '"Times New Roman", Times, "Liberation Serif", "Noto Serif CJK SC", serif',
};

let compiled: Handlebars.TemplateDelegate | null = null;

function template(): Handlebars.TemplateDelegate {
  if (compiled) return compiled;
  const hbs = Handlebars.create();
  const partials = `${TEMPLATES}partials/`;
  for (const file of readdirSync(partials).filter((f) => f.endsWith('.hbs'))) {
    hbs.registerPartial(file.slice(0, -'.hbs'.length), readFileSync(`${partials}${file}`, 'utf8'));
  }
  compiled = hbs.compile(readFileSync(`${TEMPLATES}report.hbs`, 'utf8'));
  return compiled;
}

export function renderHtml(context: ReportContext): string {
  const css = readFileSync(`${TEMPLATES}report.css`, 'utf8');
  return template()({ ...context, css, fontStack: FONT_STACK[context.lang] });
}
