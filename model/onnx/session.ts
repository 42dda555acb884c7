/**
 * The one way this project opens an onnxruntime session for serving: the
 * intra-op pool sized by the caller (from the cgroup CPU quota), inter-op
 * sequential because these graphs are a single chain, and no spinning.
 */
import ort from 'onnxruntime-node';

export async function openSession(modelPath: string, intraOpThreads: number): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(modelPath, {
      intraOpNumThreads: intraOpThreads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // Idle pool threads spinning for work would burn a replica's CPU quota between requests.
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    });
  } catch (err) {
    throw new Error(`cannot load ONNX model ${modelPath}: ${(err as Error).message.split('\n')[0]}`);
  }
}
