/**
 * Image bytes → detections in original-image pixels: the model family's
 * preprocess, one ONNX run, the family's decoder and the shared
 * NMS/mapping. The app only sees the Detector interface, so tests can swap
 * in a slow or scripted one.
 */
import sharp from 'sharp';
import { BufferPool } from '../model/families/buffer-pool.js';
import { ImageError, loadModelFamily, preprocess, toDetections } from '../model/families/index.js';
import type { Detection, ModelFamily } from '../model/families/types.js';
import { ApiError } from './errors.js';
import { openRunner, type OnnxRunner } from './infer.js';
import type { ModelInfo } from './metrics.js';
import { Timings } from './timing.js';

export interface Detector {
  readonly info: ModelInfo;
  detect(image: Buffer, timings: Timings): Promise<Detection[]>;
  close(): Promise<void>;
}

export type DetectorOptions = DetectionSettings & { modelPath: string; threads: number };

export interface DetectionSettings {
  maxPixels: number;
  scoreThreshold: number;
  iouThreshold: number;
  classWise: boolean;
  maxDetections: number;
}

export async function loadDetector(opts: DetectorOptions): Promise<Detector> {
  const runner = await openRunner(opts.modelPath, opts.threads);
  const family = await loadModelFamily(opts.modelPath, { session: runner.session }).catch(async (err: unknown) => {
    await runner.release();
    throw err;
  });
  return createDetector(family, runner, opts, { path: opts.modelPath, threads: opts.threads });
}

/** The pipeline around any runner: tests pass a scripted one to check preprocessing and mapping. */
export function createDetector(
  family: ModelFamily,
  runner: Pick<OnnxRunner, 'run' | 'release'>,
  settings: DetectionSettings,
  where: { path: string; threads: number },
): Detector {
  const { input } = family;
  const pool = new BufferPool();
  return {
    info: { ...where, family: family.family, input: `${input.width}x${input.height}` },
    async detect(image, timings) {
      const pre = await timings.time('decode', () => preprocess(image, input, { maxPixels: settings.maxPixels, pool }).catch(rethrowImageError));
      let output;
      try {
        output = await runner.run({ name: input.name, data: pre.tensor, dims: pre.dims }, family.outputName, timings);
      } finally {
        pool.give(pre.tensor.buffer);
      }
      return timings.time('postprocess', async () => {
        const candidates = family.decode(output, settings.scoreThreshold);
        return toDetections(candidates, pre.placement, family.labels, {
          iouThreshold: settings.iouThreshold,
          classWise: settings.classWise,
          maxDetections: settings.maxDetections,
        });
      });
    },
    close: () => runner.release(),
  };
}

/** Image decoding failures become the catalog's 415/422 answers; anything else stays a server error. */
export function rethrowImageError(err: unknown): never {
  if (!(err instanceof ImageError)) throw err;
  const code = err.kind === 'unsupported' ? 'unsupported_media' : err.kind === 'too-many-pixels' ? 'too_many_pixels' : 'corrupt_image';
  throw new ApiError(code, err.message, { cause: err });
}

/**
 * Drawing decodes the image again, with libvips; an image the model's
 * decoder accepted can still fail there, which is the image's fault: 422.
 */
export function undrawable(err: unknown): never {
  throw new ApiError('corrupt_image', `image could not be drawn: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/** One inference on a generated image, so the first real request does not pay for lazy initialisation. */
export async function warmUp(detector: Detector): Promise<void> {
  await detector.detect(await warmUpImage(), new Timings());
}

/** A small plain JPEG: enough to run every stage once without shipping an image. */
export function warmUpImage(): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 120, g: 110, b: 100 } } }).jpeg().toBuffer();
}
