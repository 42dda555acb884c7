/**
 * The request path (service/detector.ts: pooled buffers, integer
 * resampling) against the old path (fresh buffers, libjpeg-turbo decode and
 * the floating-point resampling of test/helpers/reference-to-tensor.ts,
 * then session.run, decode and NMS) on the 128 COCO images with the real
 * default model: same labels, IoU ≥ 0.9, scores within 0.02. Images run in
 * sequence, so every pooled buffer was last filled by a different image.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import jpegTurbo from '@julusian/jpeg-turbo';
import sharp from 'sharp';
import { iou, loadModelFamily, placementFor, toDetections, preprocess, type Detection, type InputSpec, type Preprocessed } from '../../model/families/index.js';
import { referenceToTensor } from '../helpers/reference-to-tensor.js';
import { createDetector } from '../../service/detector.js';
import { openRunner } from '../../service/infer.js';
import { Timings } from '../../service/timing.js';
import { REPO_ROOT } from '../../lib/repo-root.js';
import { benchImages, defaultModel } from '../../bench/lib/load.js';

const settings = { maxPixels: 50_000_000, scoreThreshold: 0.3, iouThreshold: 0.45, classWise: true, maxDetections: 100 };
const model = defaultModel();
const images = benchImages();
const skip = model === undefined ? `no model (npm run model:install) under ${REPO_ROOT}` : images.length === 0 ? 'inputfolder/ is empty (npm run images:install)' : false;

function corners(d: Detection): Parameters<typeof iou>[0] {
  return { x1: d.box.left, y1: d.box.top, x2: d.box.left + d.box.width, y2: d.box.top + d.box.height, score: d.score, classId: d.classId };
}

/**
 * The old fast path for upright RGB or grey JPEGs (nearly all of the COCO set); the rest went, and
 * still go, through sharp at the placed size, where resampling is an exact copy in either loop.
 */
async function oldPreprocess(image: Buffer, input: InputSpec): Promise<Preprocessed> {
  const meta = await sharp(image).metadata();
  if (!(meta.format === 'jpeg' && (meta.orientation ?? 1) === 1 && (meta.space === 'srgb' || meta.space === 'b-w'))) {
    return preprocess(image, input, { maxPixels: settings.maxPixels });
  }
  const rgb = jpegTurbo.decompressSync(image, { format: jpegTurbo.FORMAT_RGB });
  const placement = placementFor(rgb.width, rgb.height, input);
  const dims = input.layout === 'NCHW' ? [1, 3, input.height, input.width] : [1, input.height, input.width, 3];
  return { tensor: referenceToTensor(rgb, placement, input), dims, placement };
}

test('the served path finds what the plain path finds on the inputfolder images', { skip }, async () => {
  const runner = await openRunner(resolve(model!), 1);
  try {
    const family = await loadModelFamily(model!, { session: runner.session });
    const detector = createDetector(family, runner, settings, { path: model!, threads: 1 });
    let compared = 0;
    for (const file of images) {
      const image = readFileSync(file);
      const served = await detector.detect(image, new Timings());
      const pre = await oldPreprocess(image, family.input);
      const out = await runner.run({ name: family.input.name, data: pre.tensor, dims: pre.dims }, family.outputName, new Timings());
      const plain = toDetections(family.decode(out, settings.scoreThreshold), pre.placement, family.labels, settings);
      assert.equal(served.length, plain.length, `${file}: ${served.length} detections against ${plain.length}`);
      for (const d of plain) {
        const match = served.find((s) => s.label === d.label && iou(corners(s), corners(d)) >= 0.9 && Math.abs(s.score - d.score) <= 0.02);
        assert.ok(match, `${file}: no match for ${d.label} ${d.score.toFixed(3)} at ${JSON.stringify(d.box)}`);
      }
      compared += plain.length;
    }
    assert.ok(compared > 0, 'no detections at all on the inputfolder images: the model or the images are not the expected ones');
  } finally {
    await runner.release();
  }
});
