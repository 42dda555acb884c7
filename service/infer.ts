/**
 * One ONNX Runtime session, run one inference at a time. onnxruntime-node
 * executes session.run synchronously on the main thread (after a
 * setImmediate), with intra-op helpers from its own pool; the lock makes
 * "one run at a time" a guarantee of this module rather than of that
 * detail, so `threads` busy threads never become 2 × `threads` under a quota.
 */
import ort from 'onnxruntime-node';
import type { OutputTensor } from '../model/families/types.js';
import { openSession } from '../model/onnx/session.js';
import { Limiter } from './queue.js';
import type { Timings } from './timing.js';

export interface OnnxRunner {
  /** Feeds one input, returns one output; time waiting for the session counts as queue. */
  run(input: { name: string; data: Float32Array | Uint8Array; dims: readonly number[] }, outputName: string, timings: Timings): Promise<OutputTensor>;
  release(): Promise<void>;
  /** input/output shapes, for identifying the model family without a second session */
  readonly session: Pick<ort.InferenceSession, 'inputMetadata' | 'outputMetadata'>;
}

export async function openRunner(modelPath: string, threads: number): Promise<OnnxRunner> {
  const session = await openSession(modelPath, threads);
  const lock = new Limiter(1);
  return {
    async run(input, outputName, timings) {
      const tensor = input.data instanceof Float32Array
        ? new ort.Tensor('float32', input.data, input.dims)
        : new ort.Tensor('uint8', input.data, input.dims);
      const waitStart = process.hrtime.bigint();
      const results = await lock.run(() => {
        timings.add('queue', Number(process.hrtime.bigint() - waitStart) / 1e6);
        return timings.time('inference', () => session.run({ [input.name]: tensor }, [outputName]));
      });
      const out = results[outputName];
      if (out === undefined || !(out.data instanceof Float32Array)) {
        throw new Error(`model output ${outputName} is missing or not float32`);
      }
      return { data: out.data, dims: out.dims };
    },
    release: () => session.release(),
    session,
  };
}
