/**
 * Getting the assignment's yolov3-tiny (download or local directory →
 * verified files → converted ONNX), and the set-up step that chooses the
 * service's default model: yolov3-tiny when its cfg and weights can be had,
 * else YOLOX-Nano from ../shared/model.
 */
import { existsSync } from 'node:fs';
import { open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { convertDarknetFiles } from './convert.js';
import { readWeightsHeader } from './darknet/weights.js';
import { copyVerified, downloadVerified, hashFile, type Expected } from './fetch.js';
import { COCO_LABELS } from './labels.js';
import { readOnnxMetadata } from './onnx/metadata.js';

export type DarknetFile = 'cfg' | 'weights' | 'names';
export type DarknetUrls = Record<DarknetFile, string>;

export const FILE_NAMES: Record<DarknetFile, string> = {
  cfg: 'yolov3-tiny.cfg',
  weights: 'yolov3-tiny.weights',
  names: 'coco.names',
};
export const CONVERTED_NAME = 'yolov3-tiny.onnx';

export const OFFICIAL_URLS: DarknetUrls = {
  cfg: 'https://raw.githubusercontent.com/pjreddie/darknet/master/cfg/yolov3-tiny.cfg',
  weights: 'https://pjreddie.com/media/files/yolov3-tiny.weights',
  names: 'https://raw.githubusercontent.com/pjreddie/darknet/master/data/coco.names',
};

/** What the official files are known to be; the weights' hash is not published, so only its size is checked. */
export const OFFICIAL_EXPECTED: Record<DarknetFile, Expected> = {
  cfg: { size: 1915, sha256: '84eb7a675ef87c906019ff5a6e0effe275d175adb75100dcb47f0727917dc2c7' },
  weights: { size: 35434956 },
  names: { size: 625, sha256: '634a1132eb33f8091d60f2c346ababe8b905ae08387037aed883953b7329af84' },
};

export interface FetchOptions {
  outDir: string;
  /** take the three files from this directory instead of downloading them */
  fromDir?: string;
  urls: DarknetUrls;
  /** checks per file; a URL other than the official one gets none unless given here */
  expected?: Partial<Record<DarknetFile, Expected>>;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** The three darknet files in outDir, verified, then converted to outDir/yolov3-tiny.onnx. */
export async function fetchDarknet(opts: FetchOptions): Promise<{ onnx: string; files: Record<DarknetFile, string> }> {
  const files = await obtain(opts, ['cfg', 'weights', 'names']);
  const onnx = join(opts.outDir, CONVERTED_NAME);
  await convertDarknetFiles({ ...files, out: onnx });
  return { onnx, files };
}

async function obtain(opts: FetchOptions, which: readonly DarknetFile[]): Promise<Record<DarknetFile, string>> {
  const files = {} as Record<DarknetFile, string>;
  for (const file of which) {
    const dest = join(opts.outDir, FILE_NAMES[file]);
    const expected = opts.expected?.[file] ?? (!opts.fromDir && opts.urls[file] === OFFICIAL_URLS[file] ? OFFICIAL_EXPECTED[file] : {});
    if (opts.fromDir) {
      await copyVerified(join(opts.fromDir, FILE_NAMES[file]), dest, expected);
    } else {
      await downloadVerified(opts.urls[file], dest, { ...expected, timeoutMs: opts.timeoutMs, signal: opts.signal });
    }
    files[file] = dest;
  }
  return files;
}

export interface InstallOptions {
  /** model/ */
  modelDir: string;
  /** ../shared/model, or null when there is none */
  sharedDir: string | null;
  urls: DarknetUrls;
  /** never try to download */
  offline: boolean;
  /** longest wait for any data when downloading; keep it short so offline set-up fails fast */
  timeoutMs: number;
}

export interface InstallResult {
  model: 'yolov3-tiny' | 'yolox-nano';
  /** one line for the user: what became the default and why */
  message: string;
  /** other models copied into model/ for the service and pose pipeline */
  extras: string[];
}

export const DEFAULT_MODEL = 'default.onnx';
export const YOLOX_NAME = 'yolox_nano.onnx';
export const EXTRA_MODELS = ['yolov8n_int8.onnx', 'movenet_singlepose_lightning_int8.onnx'] as const;

export async function installDefaultModel(opts: InstallOptions): Promise<InstallResult> {
  const extras = await copyExtras(opts);
  const darknet = await darknetSources(opts);
  const defaultPath = join(opts.modelDir, DEFAULT_MODEL);
  if ('cfg' in darknet) {
    const converted = join(opts.modelDir, CONVERTED_NAME);
    if (!(await isNewer(converted, [darknet.cfg, darknet.weights, darknet.names]))) {
      await convertDarknetFiles({ ...darknet, out: converted });
    }
    await copyIfChanged(converted, defaultPath);
    // The converted model describes itself; a sidecar left from a YOLOX default would only confuse.
    await rm(`${defaultPath}.json`, { force: true });
    return {
      model: 'yolov3-tiny',
      message: `model: default is yolov3-tiny, converted from ${show(darknet.cfg)} + ${show(darknet.weights)} (the assignment's model)`,
      extras,
    };
  }
  const yolox = [opts.sharedDir && join(opts.sharedDir, YOLOX_NAME), join(opts.modelDir, YOLOX_NAME)].find(
    (p): p is string => !!p && existsSync(p),
  );
  if (!yolox) {
    throw new Error(`no default model: ${darknet.missing}, and no ${YOLOX_NAME} in ${opts.sharedDir ? show(opts.sharedDir) : '../shared/model'} or ${show(opts.modelDir)}`);
  }
  const local = join(opts.modelDir, YOLOX_NAME);
  if (yolox !== local) await copyIfChanged(yolox, local);
  await copyIfChanged(local, defaultPath);
  await writeSidecarUnlessDescribed(defaultPath, 'yolox');
  await writeSidecarUnlessDescribed(local, 'yolox');
  return { model: 'yolox-nano', message: `model: default is YOLOX-Nano from ${show(yolox)}, because ${darknet.missing}`, extras };
}

type Sources = Record<DarknetFile, string> | { missing: string };

/** Local cfg/weights/names (model/ first, then the shared folder), downloading what is missing unless offline. */
async function darknetSources(opts: InstallOptions): Promise<Sources> {
  const dirs = [opts.modelDir, opts.sharedDir].filter((d): d is string => d !== null);
  const find = (file: DarknetFile) => dirs.map((d) => join(d, FILE_NAMES[file])).find((p) => existsSync(p));
  const found = { cfg: find('cfg'), weights: find('weights'), names: find('names') };
  if (found.weights && !(await isTrained(found.weights))) {
    return { missing: `${show(found.weights)} is untrained (its header says it has seen no images; model:random writes such files)` };
  }
  const absent = (['cfg', 'weights'] as const).filter((f) => !found[f]);
  if (absent.length > 0) {
    const names = absent.map((f) => FILE_NAMES[f]).join(' and ');
    const where = `${names} ${absent.length > 1 ? 'are' : 'is'} not in ${dirs.map((d) => `${show(d)}/`).join(' or ')}`;
    if (opts.offline) return { missing: `${where} (offline, no download tried)` };
    try {
      const got = await obtain({ outDir: opts.modelDir, urls: opts.urls, timeoutMs: opts.timeoutMs }, absent);
      Object.assign(found, got);
    } catch (err) {
      return { missing: `${where} and the download failed (${(err as Error).message})` };
    }
  }
  if (!found.names) {
    found.names = join(opts.modelDir, FILE_NAMES.names);
    await writeFile(found.names, `${COCO_LABELS.join('\n')}\n`);
  }
  return found as Record<DarknetFile, string>;
}

async function copyExtras(opts: InstallOptions): Promise<string[]> {
  const copied: string[] = [];
  for (const name of EXTRA_MODELS) {
    const src = opts.sharedDir && join(opts.sharedDir, name);
    if (!src || !existsSync(src)) continue;
    await copyIfChanged(src, join(opts.modelDir, name));
    copied.push(name);
  }
  return copied;
}

/** Copies unless dest already holds the same bytes, so re-running set-up is quick and keeps mtimes. */
export async function copyIfChanged(src: string, dest: string): Promise<boolean> {
  if (existsSync(dest)) {
    const [a, b] = await Promise.all([stat(src), stat(dest)]);
    if (a.size === b.size && (await hashFile(src)).sha256 === (await hashFile(dest)).sha256) return false;
  }
  await copyVerified(src, dest);
  return true;
}

/** Darknet's header counts the images a network was trained on; random weights say 0. */
async function isTrained(weights: string): Promise<boolean> {
  const handle = await open(weights, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(20), 0, 20, 0);
    return readWeightsHeader(buffer.subarray(0, bytesRead)).seen > 0n;
  } finally {
    await handle.close();
  }
}

async function isNewer(path: string, than: readonly string[]): Promise<boolean> {
  if (!existsSync(path)) return false;
  const mtime = (await stat(path)).mtimeMs;
  const inputs = await Promise.all(than.map((p) => stat(p)));
  return inputs.every((s) => s.mtimeMs <= mtime);
}

async function writeSidecarUnlessDescribed(modelPath: string, family: string): Promise<void> {
  const metadata = readOnnxMetadata(await readFile(modelPath));
  if (metadata['clouddetect.family']) return;
  await writeFile(`${modelPath}.json`, `${JSON.stringify({ family }, null, 2)}\n`);
}

/** Paths near the working directory read best relative (model/, ../shared/model); others absolute. */
function show(path: string): string {
  const rel = relative(process.cwd(), path);
  if (rel === '') return '.';
  return rel.startsWith(`..${sep}..`) ? path : rel;
}
