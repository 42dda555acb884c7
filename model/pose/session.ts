/**
 * ONNX Runtime sessions for the pose models, and the one question asked of a
 * model before choosing a pipeline: what are its input and output shapes.
 */
import type ort from 'onnxruntime-node';
import { openSession as openOrtSession } from '../onnx/session.js';

export type Shape = ReadonlyArray<number | string>;

export interface TensorInfo {
  name: string;
  type: string;
  /** symbolic or unknown dimensions are strings or -1 */
  shape: Shape;
}

export interface LoadedSession {
  session: ort.InferenceSession;
  input: TensorInfo;
  output: TensorInfo;
}

export async function openSession(modelPath: string, intraOpThreads: number): Promise<LoadedSession> {
  const session = await openOrtSession(modelPath, intraOpThreads);
  const input = tensorInfo(session.inputMetadata[0], 'input', modelPath);
  const output = tensorInfo(session.outputMetadata[0], 'output', modelPath);
  return { session, input, output };
}

function tensorInfo(meta: ort.InferenceSession.ValueMetadata | undefined, what: string, modelPath: string): TensorInfo {
  if (!meta || !meta.isTensor) throw new Error(`${modelPath}: first ${what} is not a tensor`);
  return { name: meta.name, type: meta.type, shape: meta.shape };
}

/** A fixed positive dimension, or undefined when it is symbolic/unknown. */
export function fixedDim(shape: Shape, axis: number): number | undefined {
  const d = shape[axis];
  return typeof d === 'number' && d > 0 ? d : undefined;
}
