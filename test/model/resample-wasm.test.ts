/**
 * The WebAssembly tensor loop against the JavaScript one it replaces: the
 * same integer arithmetic, so every value must be equal, for every layout,
 * channel order, dtype, scale and placement, for sources resampled down, up
 * and copied, and for sources that need several bands or no band at all.
 * And the committed binary is what the pinned compiler makes of the source.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { placementFor, type InputSpec, type RgbImage } from '../../model/families/index.js';
import { BAND_BYTES } from '../../model/families/resample-wasm/index.js';
import { toTensor, toTensorJs } from '../../model/families/to-tensor.js';
import { seededRng } from '../../lib/seeded-rng.js';
import { binaryModuleText, buildResampleWasm, RESAMPLE_BINARY_MODULE } from '../../scripts/build-wasm.js';

function noise(width: number, height: number, seed: number): RgbImage {
  const rng = seededRng(seed);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(rng() * 256);
  return { data, width, height };
}

function spec(over: Partial<InputSpec>): InputSpec {
  return { name: 'images', width: 64, height: 48, resize: 'letterbox-center', padValue: 114, channelOrder: 'RGB', layout: 'NCHW', dtype: 'float32', scale: 1, ...over };
}

function assertSame(src: RgbImage, input: InputSpec, what: string): void {
  const placement = placementFor(src.width, src.height, input);
  const js = toTensorJs(src, placement, input);
  const wasm = toTensor(src, placement, input);
  assert.equal(wasm.length, js.length);
  for (let i = 0; i < js.length; i++) {
    if (wasm[i] !== js[i]) assert.fail(`${what}: value ${i} is ${wasm[i]} in WebAssembly, ${js[i]} in JavaScript`);
  }
}

test('the WebAssembly loop gives the JavaScript loop\'s tensor, value for value', () => {
  const inputs: InputSpec[] = [];
  for (const layout of ['NCHW', 'NHWC'] as const) {
    for (const channelOrder of ['RGB', 'BGR'] as const) {
      for (const resize of ['letterbox-center', 'letterbox-topleft', 'stretch'] as const) {
        inputs.push(spec({ layout, channelOrder, resize }));
        inputs.push(spec({ layout, channelOrder, resize, scale: 1 / 255 }));
        inputs.push(spec({ layout, channelOrder, resize, dtype: 'uint8' }));
      }
    }
  }
  const sources: Array<[number, number]> = [[640, 480], [64, 48], [63, 47], [17, 200], [200, 17], [1, 1], [1, 90], [90, 1], [5, 3]];
  for (const [i, input] of inputs.entries()) {
    for (const [w, h] of sources) assertSame(noise(w, h, i * 100 + w), input, `${w}x${h} → ${JSON.stringify(input)}`);
  }
});

test('a source larger than one band is blended band by band with the same result', () => {
  const width = 2000;
  const height = Math.ceil((2.5 * BAND_BYTES) / (width * 3));
  assertSame(noise(width, height, 5), spec({ width: 416, height: 416, channelOrder: 'BGR', resize: 'letterbox-topleft' }), 'three bands');
});

test('rows too wide for the band take the JavaScript loop', () => {
  const width = Math.ceil(BAND_BYTES / 3 / 2) + 1;
  assertSame(noise(width, 2, 6), spec({ width: 256, height: 256 }), 'over-wide rows');
});

test('the committed WebAssembly binary is what assembly/resample.ts compiles to (else: npm run build:wasm)', async () => {
  assert.equal(await readFile(RESAMPLE_BINARY_MODULE, 'utf8'), binaryModuleText(await buildResampleWasm()));
});
