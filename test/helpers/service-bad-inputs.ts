/**
 * Hostile and broken inputs built in memory: the pixel bomb
 * (scripts/lib/png-bomb.ts), and a seeded generator of random and mutated
 * request bodies.
 */
import { pngBomb } from '../../scripts/lib/png-bomb.js';
import { seededRng as rng } from '../../lib/seeded-rng.js';

export { pngBomb };

export interface FuzzCase {
  body: Buffer;
  contentType: string;
  what: string;
}

const CONTENT_TYPES = ['application/json', 'text/plain', 'application/octet-stream', 'multipart/form-data; boundary=xyz', 'multipart/form-data', 'application/json; charset=utf-16', ''];

function mutate(bytes: Buffer, random: () => number): Buffer {
  const out = Buffer.from(bytes);
  const n = 1 + Math.floor(random() * 8);
  for (let i = 0; i < n && out.length > 0; i++) out[Math.floor(random() * out.length)] = Math.floor(random() * 256);
  return out;
}

/** Random bytes, mutated JSON envelopes, valid envelopes around mutated or truncated images. */
export function fuzzCases(seed: number, count: number, validImage: Buffer): FuzzCase[] {
  const random = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const envelope = (image: Buffer): Buffer => Buffer.from(JSON.stringify({ id: `fuzz-${Math.floor(random() * 1e9)}`, image: image.toString('base64') }));
  const cases: FuzzCase[] = [];
  for (let i = 0; i < count; i++) {
    const kind = Math.floor(random() * 5);
    let body: Buffer;
    let what: string;
    if (kind === 0) {
      body = Buffer.from(Array.from({ length: Math.floor(random() * 2048) }, () => Math.floor(random() * 256)));
      what = 'random bytes';
    } else if (kind === 1) {
      body = mutate(envelope(validImage), random);
      what = 'mutated JSON envelope';
    } else if (kind === 2) {
      body = envelope(mutate(validImage, random));
      what = 'valid envelope, mutated image';
    } else if (kind === 3) {
      body = envelope(validImage.subarray(0, Math.floor(random() * validImage.length)));
      what = 'valid envelope, truncated image';
    } else {
      const full = envelope(validImage);
      body = full.subarray(0, Math.floor(random() * full.length));
      what = 'truncated JSON';
    }
    cases.push({ body, contentType: kind === 0 ? pick(CONTENT_TYPES) : pick(CONTENT_TYPES.slice(0, 3)), what });
  }
  return cases;
}
