/**
 * `npx tsx bench/preprocess.ts`: CPU per image for turning the inputfolder
 * JPEGs into the default model's input tensor, and its parts, against a
 * baseline measured in the same run: sharp decoding the same file to raw
 * pixels, without any resize. CPU time counts every thread (libvips,
 * libuv), so the figures hold under a CPU quota where wall time would not.
 */
import jpegTurbo from '@julusian/jpeg-turbo';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { BufferPool } from '../model/families/buffer-pool.js';
import { loadModelFamily, placementFor, preprocess, toTensor, type RgbImage } from '../model/families/index.js';
import { readJpegHeader } from '../model/families/jpeg-header.js';
import { toTensorJs } from '../model/families/to-tensor.js';
import { benchImages, defaultModel, fmt } from './lib/load.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const modelPath = defaultModel();
const jpegs = benchImages().filter((f) => /\.jpe?g$/i.test(f));
if (!modelPath || jpegs.length === 0) {
  console.error('bench/preprocess: needs a model (npm run model:install) and JPEG images (npm run images:install, or IMAGES_DIR)');
  process.exit(2);
}
const { input } = await loadModelFamily(modelPath);
const files = jpegs.map((f) => readFileSync(f));
const decoded: RgbImage[] = files.map((f) => jpegTurbo.decompressSync(f, { format: jpegTurbo.FORMAT_RGB }));
/** one reused tensor buffer, as the service's pool gives each request */
const scratch = new ArrayBuffer(input.width * input.height * 3 * 4);
const pool = new BufferPool();

/** CPU milliseconds per call of `fn` over every image, after one warm-up pass. */
async function cpuMsPerImage(fn: (i: number) => Promise<unknown> | unknown): Promise<number> {
  for (let i = 0; i < files.length; i++) await fn(i);
  const start = process.cpuUsage();
  for (let r = 0; r < ROUNDS; r++) for (let i = 0; i < files.length; i++) await fn(i);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / (ROUNDS * files.length);
}

const baseline = await cpuMsPerImage((i) => sharp(files[i]!).raw().toBuffer());
const rows: Array<[string, number]> = [
  ['sharp: decode to raw pixels (baseline)', baseline],
  ['libjpeg-turbo: decode to raw pixels', await cpuMsPerImage((i) => jpegTurbo.decompress(files[i]!, { format: jpegTurbo.FORMAT_RGB }))],
  ['sharp: header only (size, orientation)', await cpuMsPerImage((i) => sharp(files[i]!).metadata())],
  ['JPEG header from the markers (what a request reads)', await cpuMsPerImage((i) => readJpegHeader(files[i]!))],
  ['resample + layout into the tensor (JavaScript)', await cpuMsPerImage((i) => toTensorJs(decoded[i]!, placementFor(decoded[i]!.width, decoded[i]!.height, input), input, scratch))],
  ['resample + layout into the tensor (WebAssembly SIMD, what a request runs)', await cpuMsPerImage((i) => toTensor(decoded[i]!, placementFor(decoded[i]!.width, decoded[i]!.height, input), input, scratch))],
  ['preprocess: the whole path a request takes', await cpuMsPerImage(async (i) => {
    const { tensor } = await preprocess(files[i]!, input, { maxPixels: 1e8, pool });
    pool.give(tensor.buffer as ArrayBuffer);
  })],
];

console.log(`${files.length} JPEGs, ${ROUNDS} rounds, input ${input.width}x${input.height} ${input.layout} ${input.dtype} (${modelPath})\n`);
console.log('| step | CPU ms / image | × baseline |');
console.log('|---|---:|---:|');
for (const [name, ms] of rows) console.log(`| ${name} | ${fmt(ms, 3)} | ${fmt(ms / baseline, 3)} |`);
