/**
 * ONNX Runtime sessions for the pose models, and the one question asked of a
 * model before choosing a pipeline: what are its input and output shapes.
 */
import ort from 'onnxruntime-node';

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

/**
 * One intra-op pool per session sized by the caller (the service derives it
 * from the cgroup CPU quota); inter-op stays sequential because these graphs
 * are a single chain and extra pools only cost memory in a 512 MiB pod.
 */
export async function openSession(modelPath: string, intraOpThreads: number): Promise<LoadedSession> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(modelPath, {
      intraOpNumThreads: intraOpThreads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // Idle pool threads spinning for work would burn a replica's CPU quota between requests.
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    });
  } catch (err) {
    throw new Error(`cannot load ONNX model ${modelPath}: ${(err as Error).message}`);
  }
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
