/**
 * `npm run images:install`: fills inputfolder/ with the 128 COCO images
 * listed in inputfolder/coco-ids.txt. Each image is kept if already there
 * and decodable, else copied from ../shared/inputfolder/, else downloaded
 * from the COCO val2017 host (COCO_IMAGES_BASE_URL). Exits 1 naming every
 * image it could not provide.
 */
import { existsSync } from 'node:fs';
import { readFile, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { z } from 'zod';
import { copyVerified, downloadVerified } from '../model/fetch.js';
import { REPO_ROOT as repoRoot } from '../lib/repo-root.js';

export const DEFAULT_BASE_URL = 'http://images.cocodataset.org/val2017';

export interface InstallImagesOptions {
  ids: readonly string[];
  /** where the images go (inputfolder/) */
  dir: string;
  /** a local copy to take images from first, or null */
  sharedDir: string | null;
  baseUrl: string;
  /** downloads in flight at once @default 6 */
  concurrency?: number;
  /** longest wait for any data from the image host @default 15000 */
  timeoutMs?: number;
  onProgress?: (done: number, total: number) => void;
}

export type Outcome = 'present' | 'copied' | 'downloaded';

export interface InstallImagesReport {
  counts: Record<Outcome, number>;
  /** file name → why it could not be provided */
  failed: Map<string, string>;
}

const Id = z.string().regex(/^\d{1,12}$/, 'a COCO image id is up to 12 digits');

/** coco-ids.txt: one id per line; blank lines and # comments ignored. */
export function parseIds(text: string, source = 'coco-ids.txt'): string[] {
  const ids: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    const parsed = Id.safeParse(line);
    if (!parsed.success) throw new Error(`${source}:${index + 1}: "${line}" is not a COCO image id (up to 12 digits)`);
    ids.push(parsed.data.padStart(12, '0'));
  });
  return ids;
}

/** Fully decodes (at reduced size), so a truncated JPEG is caught, not just a bad header. */
export async function isDecodable(path: string): Promise<boolean> {
  try {
    await sharp(path, { failOn: 'truncated' }).resize(64, 64, { fit: 'inside' }).raw().toBuffer();
    return true;
  } catch {
    return false;
  }
}

export async function installImages(opts: InstallImagesOptions): Promise<InstallImagesReport> {
  const report: InstallImagesReport = { counts: { present: 0, copied: 0, downloaded: 0 }, failed: new Map() };
  const queue = [...opts.ids];
  let done = 0;
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const name = `${id}.jpg`;
      try {
        report.counts[await provide(name, opts)] += 1;
      } catch (err) {
        report.failed.set(name, (err as Error).message);
      }
      opts.onProgress?.(++done, opts.ids.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 6) }, worker));
  return report;
}

async function provide(name: string, opts: InstallImagesOptions): Promise<Outcome> {
  const dest = join(opts.dir, name);
  if (existsSync(dest) && (await isDecodable(dest))) return 'present';
  const reasons: string[] = [];
  const shared = opts.sharedDir ? join(opts.sharedDir, name) : null;
  if (shared && existsSync(shared)) {
    if (await isDecodable(shared)) {
      await copyVerified(shared, dest);
      return 'copied';
    }
    reasons.push(`${shared} is not a readable image`);
  }
  try {
    await downloadVerified(`${opts.baseUrl.replace(/\/+$/, '')}/${name}`, dest, { timeoutMs: opts.timeoutMs ?? 15_000 });
  } catch (err) {
    reasons.push((err as Error).message);
    throw new Error(reasons.join('; '));
  }
  if (await isDecodable(dest)) return 'downloaded';
  await unlink(dest);
  reasons.push('downloaded file is not a readable image');
  throw new Error(reasons.join('; '));
}

async function main(): Promise<void> {
  const dir = join(repoRoot, 'inputfolder');
  const idsFile = join(dir, 'coco-ids.txt');
  const ids = parseIds(await readFile(idsFile, 'utf8'), idsFile);
  const sharedDir = resolve(repoRoot, '../shared/inputfolder');
  const live = process.stderr.isTTY;
  const report = await installImages({
    ids,
    dir,
    sharedDir: existsSync(sharedDir) ? sharedDir : null,
    baseUrl: process.env.COCO_IMAGES_BASE_URL || DEFAULT_BASE_URL,
    onProgress: (n, total) => {
      if (live) process.stderr.write(`\rimages: ${n}/${total}`);
    },
  });
  if (live) process.stderr.write('\n');
  const { present, copied, downloaded } = report.counts;
  console.log(`images: ${ids.length - report.failed.size}/${ids.length} in inputfolder/ (${present} already there, ${copied} copied, ${downloaded} downloaded)`);
  if (report.failed.size > 0) {
    for (const [name, why] of report.failed) console.error(`images: ${name}: ${why}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(`images: ${(err as Error).message}`);
    process.exitCode = 1;
  });
}
