/**
 * Thin wrappers over poppler-utils for tests that check the PDF itself:
 * page sizes, word boxes, font sizes, embedded fonts, raster images, paths.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const run = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });

export function missingTools(): string | null {
  for (const tool of ['pdfinfo', 'pdftotext', 'pdftohtml', 'pdffonts', 'pdfimages', 'pdftocairo']) {
    if (spawnSync(tool, ['-v']).error) return `${tool} not installed (apt-get install poppler-utils)`;
  }
  return null;
}

export interface Page { width: number; height: number; words: Word[] }
export interface Word { text: string; xMin: number; yMin: number; xMax: number; yMax: number }

const unescape = (s: string): string => s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** pdftotext -bbox: every word with its box, per page, in PDF points from the top-left. */
export function pages(pdf: string): Page[] {
  const xml = run('pdftotext', ['-bbox', pdf, '-']);
  return [...xml.matchAll(/<page width="([\d.]+)" height="([\d.]+)">([\s\S]*?)<\/page>/g)].map((m) => ({
    width: Number(m[1]),
    height: Number(m[2]),
    words: [...m[3]!.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)].map((w) => ({
      xMin: Number(w[1]), yMin: Number(w[2]), xMax: Number(w[3]), yMax: Number(w[4]), text: unescape(w[5]!),
    })),
  }));
}

export function text(pdf: string, layout = false): string {
  return run('pdftotext', [...(layout ? ['-layout'] : []), pdf, '-']);
}

/** Characters drawn per font (family, size in pt) on pages 1..lastPage, from pdftohtml's XML at zoom 1. */
export function charsByFont(pdf: string, lastPage?: number): { family: string; size: number; chars: number; sample: string }[] {
  const xml = run('pdftohtml', ['-xml', '-i', '-zoom', '1', ...(lastPage ? ['-l', String(lastPage)] : []), '-stdout', pdf]);
  const specs = new Map([...xml.matchAll(/<fontspec id="(\d+)" size="([\d.]+)" family="([^"]+)"/g)].map((m) => [m[1]!, { size: Number(m[2]), family: m[3]! }]));
  const totals = new Map<string, { family: string; size: number; chars: number; sample: string }>();
  for (const m of xml.matchAll(/<text [^>]*font="(\d+)"[^>]*>(.*?)<\/text>/g)) {
    const spec = specs.get(m[1]!);
    if (!spec) continue;
    const plain = unescape(m[2]!.replace(/<[^>]+>/g, ''));
    const key = `${spec.family.replace(/^[A-Z]{6}\+/, '')}|${spec.size}`;
    const entry = totals.get(key) ?? { family: spec.family.replace(/^[A-Z]{6}\+/, ''), size: spec.size, chars: 0, sample: plain };
    entry.chars += plain.trim().length;
    totals.set(key, entry);
  }
  return [...totals.values()].sort((a, b) => b.chars - a.chars);
}

/**
 * Font sizes (pt) of the text runs that contain `needle`. Text is NFKC-normalised: the
 * Type 3 CJK fonts Chrome writes map some ideographs to their Kangxi-radical code points.
 */
export function sizesOf(pdf: string, needle: string): number[] {
  const xml = run('pdftohtml', ['-xml', '-i', '-zoom', '1', '-stdout', pdf]);
  const sizes = new Map([...xml.matchAll(/<fontspec id="(\d+)" size="([\d.]+)"/g)].map((m) => [m[1]!, Number(m[2])]));
  return [...xml.matchAll(/<text [^>]*font="(\d+)"[^>]*>(.*?)<\/text>/g)]
    .filter((m) => unescape(m[2]!.replace(/<[^>]+>/g, '')).normalize('NFKC').includes(needle))
    .map((m) => sizes.get(m[1]!) ?? 0);
}

export function fonts(pdf: string): { name: string; type: string; embedded: boolean }[] {
  return run('pdffonts', [pdf]).split('\n').slice(2).filter((l) => l.trim() !== '').map((l) => {
    const cols = l.trim().split(/\s+/);
    // columns from the right: emb sub uni object ID
    return { name: cols[0]!, type: cols.slice(1, -6).join(' '), embedded: cols.at(-5) === 'yes' };
  });
}

export function rasterImages(pdf: string): number {
  return run('pdfimages', ['-list', pdf]).split('\n').slice(2).filter((l) => l.trim() !== '').length;
}

/**
 * Stroked vector paths on one page (1-based), as pdftocairo sees them. Text
 * glyphs come out as filled paths and table rules as fills, so strokes are
 * the lines of the charts: axes, grid, data lines.
 */
export function strokedPathsOnPage(pdf: string, page: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'report-svg-'));
  try {
    const out = join(dir, 'page.svg');
    run('pdftocairo', ['-svg', '-f', String(page), '-l', String(page), pdf, out]);
    return (readFileSync(out, 'utf8').match(/<path [^>]*stroke-width/g) ?? []).length;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
