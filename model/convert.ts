/**
 * Darknet (cfg + weights + names) → a self-describing ONNX model whose
 * output `detections` [1, N, 5 + classes] already holds decoded boxes.
 * `convertDarknet` is pure; `convertDarknetFiles` adds the file reading and
 * an atomic write.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DarknetError } from './darknet/errors.js';
import { parseNetwork } from './darknet/network.js';
import { buildOnnxGraph } from './darknet/to-onnx.js';
import { sliceWeights } from './darknet/weights.js';

/** metadata_props keys the service reads to configure itself from the model file. */
export const METADATA_KEYS = {
  family: 'clouddetect.family',
  labels: 'clouddetect.labels',
  inputWidth: 'clouddetect.input_width',
  inputHeight: 'clouddetect.input_height',
  source: 'clouddetect.source',
} as const;

export interface ConvertOptions {
  cfgText: string;
  weights: Uint8Array;
  labels: string[];
  /** cfg file name, recorded in the model and used in error messages @default 'cfg' */
  sourceName?: string;
}

export interface ConvertResult {
  model: Uint8Array;
  inputWidth: number;
  inputHeight: number;
  classes: number;
  /** rows of the `detections` output */
  boxes: number;
}

/** Convert in memory. Throws DarknetError for any mismatch or unsupported layer. */
export function convertDarknet(opts: ConvertOptions): ConvertResult {
  const source = opts.sourceName ?? 'cfg';
  const network = parseNetwork(opts.cfgText, source);
  if (network.net.channels !== 3) {
    throw new DarknetError('CFG_UNSUPPORTED', `${source}: [net] channels=${network.net.channels}; only 3-channel (RGB) networks are supported`);
  }
  if (opts.labels.length !== network.classes) {
    throw new DarknetError('LABELS_MISMATCH', `${source} has classes=${network.classes} but ${opts.labels.length} class names were given`);
  }
  const { convs } = sliceWeights(network, opts.weights);
  const model = buildOnnxGraph(network, convs).toBytes({
    [METADATA_KEYS.family]: 'darknet-yolo',
    [METADATA_KEYS.labels]: JSON.stringify(opts.labels),
    [METADATA_KEYS.inputWidth]: String(network.net.width),
    [METADATA_KEYS.inputHeight]: String(network.net.height),
    [METADATA_KEYS.source]: source,
  });
  return {
    model,
    inputWidth: network.net.width,
    inputHeight: network.net.height,
    classes: network.classes,
    boxes: network.boxes,
  };
}

/** A names file: one class per line; blank lines and surrounding spaces ignored. */
export function parseNames(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
}

/**
 * Convert files on disk. The model is written to a temporary file next to
 * `out` and renamed into place, so `out` is never a half-written model.
 */
export async function convertDarknetFiles(opts: { cfg: string; weights: string; names: string; out: string }): Promise<{
  out: string;
  inputWidth: number;
  inputHeight: number;
  classes: number;
  boxes: number;
  bytes: number;
}> {
  const [cfgText, weights, namesText] = await Promise.all([
    readFile(opts.cfg, 'utf8'),
    readFile(opts.weights),
    readFile(opts.names, 'utf8'),
  ]);
  const result = convertDarknet({ cfgText, weights, labels: parseNames(namesText), sourceName: basename(opts.cfg) });
  const tmp = join(dirname(opts.out), `.${basename(opts.out)}.${randomUUID()}.tmp`);
  try {
    await writeFile(tmp, result.model);
    await rename(tmp, opts.out);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const { model, ...info } = result;
  return { out: opts.out, ...info, bytes: model.byteLength };
}
