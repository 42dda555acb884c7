/**
 * Model file → ModelFamily: reads the ONNX metadata, an optional sidecar
 * `<model>.json`, and the tensor shapes (from onnxruntime), then lets
 * resolve.ts decide.
 */
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { z } from 'zod';
import { readOnnxMetadata } from '../onnx/metadata.js';
import { FAMILIES } from './registry.js';
import { resolveFamily, Sidecar, type TensorInfo } from './resolve.js';
import type { ModelFamily } from './types.js';

type SessionShapes = Pick<ort.InferenceSession, 'inputMetadata' | 'outputMetadata'>;

export interface LoadOptions {
  /** a session the caller already opened on this file, to avoid opening a second one */
  session?: SessionShapes;
}

export async function loadModelFamily(modelPath: string, opts: LoadOptions = {}): Promise<ModelFamily> {
  let bytes: Buffer;
  try {
    bytes = await readFile(modelPath);
  } catch (err) {
    throw new Error(`cannot read model ${modelPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let metadata: Record<string, string>;
  try {
    metadata = readOnnxMetadata(bytes);
  } catch (err) {
    throw new Error(`${modelPath}: ${(err as Error).message}`);
  }
  const sidecar = await readSidecar(`${modelPath}.json`);
  const session = opts.session ?? (await ort.InferenceSession.create(bytes));
  try {
    const { family, config } = resolveFamily({
      metadata,
      sidecar,
      inputs: session.inputMetadata.map(tensorInfo),
      outputs: session.outputMetadata.map(tensorInfo),
    });
    return FAMILIES[family].create(config);
  } finally {
    if (!opts.session) await (session as ort.InferenceSession).release();
  }
}

async function readSidecar(path: string): Promise<Sidecar | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not valid JSON`);
  }
  const parsed = Sidecar.safeParse(json);
  if (!parsed.success) throw new Error(`${path}: ${z.prettifyError(parsed.error).replace(/\n\s*/g, '; ')}`);
  return parsed.data;
}

function tensorInfo(meta: ort.InferenceSession.ValueMetadata): TensorInfo {
  return { name: meta.name, shape: meta.isTensor ? meta.shape : [] };
}
