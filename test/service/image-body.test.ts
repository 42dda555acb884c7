/**
 * The image fast path (service/image-body.ts) against the general path
 * (JSON.parse, then parseImageRequest): whenever the fast path takes a body,
 * the request it yields must be exactly what the general path yields, or
 * the same error; and the bodies real clients send must take it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { benchImages } from '../../bench/lib/load.js';
import { ApiError } from '../../service/errors.js';
import { decodePlainBase64, imageJsonBody } from '../../service/image-body.js';
import { parseImageRequest } from '../../service/request.js';

type Outcome = { id: string; image: string } | { error: string } | 'not json';

function outcome(parse: () => unknown): Outcome {
  let body: unknown;
  try {
    body = parse();
  } catch {
    return 'not json';
  }
  try {
    const r = parseImageRequest(body);
    return { id: r.id, image: r.image.toString('hex') };
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    return { error: `${err.code}: ${err.message}` };
  }
}

/** Whether the fast path took `text`; throws when it took it and answered differently. */
function sameAsGeneral(text: string): boolean {
  const bytes = Buffer.from(text, 'latin1');
  const fast = imageJsonBody(bytes);
  if (fast === undefined) return false;
  assert.deepEqual(outcome(() => fast), outcome(() => JSON.parse(bytes.toString('utf8'))), text.slice(0, 120));
  return true;
}

const bytes = Buffer.from(Array.from({ length: 200 }, (_, i) => (i * 37) & 0xff));
const std = bytes.toString('base64');

test('what clients send takes the fast path and decodes as the general path does', () => {
  const images = benchImages().slice(0, 8).map((f) => readFileSync(f));
  for (const [i, image] of [...images, bytes].entries()) {
    assert.ok(sameAsGeneral(JSON.stringify({ id: `c-${i}`, image: image.toString('base64') })));
    assert.ok(sameAsGeneral(JSON.stringify({ image: image.toString('base64'), id: `c-${i}` }, null, 2)));
  }
  assert.ok(sameAsGeneral(JSON.stringify({ id: 'url-safe', image: bytes.toString('base64url') })));
  assert.ok(sameAsGeneral(`{"id":"spaced", "image" :\t"${std}" , "extra": [1, {"a": null}]}`));
});

test('padding: none, one or two =, and short tails decode; other lengths are left to the general path', () => {
  for (let n = 1; n <= 12; n++) {
    const b = bytes.subarray(0, n).toString('base64');
    const bare = b.replace(/=+$/, '');
    for (const value of [b, bare, `${bare}=`, `${bare}==`]) sameAsGeneral(JSON.stringify({ id: 'p', image: value }));
    assert.ok(sameAsGeneral(JSON.stringify({ id: 'p', image: b })));
  }
  for (const value of ['A', 'AAAAA', 'AA===', '=', '==', 'AA=A', '']) {
    assert.equal(sameAsGeneral(JSON.stringify({ id: 'p', image: value })), false, value);
  }
});

test('every byte value anywhere in the base64 is either refused by the fast path or answered the same', () => {
  for (let c = 0; c < 256; c++) {
    for (const at of [0, 5, std.length - 1]) {
      const value = `${std.slice(0, at)}${String.fromCharCode(c)}${std.slice(at + 1)}`;
      sameAsGeneral(`{"id":"b${c}","image":"${value}"}`);
    }
  }
});

test('bodies only a real parser can read are left to the general path', () => {
  const leftAlone = [
    `{"id":"a","image":"${std}","image":"${std}"}`,
    `{"id":"a","nested":{"image":"${std}"},"image":""}`,
    `{"id":"a","\\u0069mage":"","x":{"image":"${std}"}}`,
    `{"id":"a\\"b","image":"${std}"}`,
    `{"id":"a","image":"data:image/png;base64,${std}"}`,
    `{"id":"a","image":"${std.slice(0, 8)}\\n${std.slice(8)}"}`,
    `{"id":"a","image":"${std.slice(0, 8)}\\/${std.slice(8)}"}`,
    `["image", "${std}"]`,
    `{"id":"a","image":"${std}"`,
    `{"id":"a","image":"${std}"}}`,
    `{"id":"a","image":"${std}`,
    `{"id":"a","image":${std.length}}`,
    `"{\\"id\\":\\"a\\",\\"image\\":\\"${std}\\"}"`,
    `{"id":"a","image" "${std}"}`,
    `\ufeff{"id":"a","image":"${std}"}`,
  ];
  for (const body of leftAlone) assert.equal(imageJsonBody(Buffer.from(body)), undefined, body.slice(0, 60));
});

test('the id is checked as on the general path', () => {
  for (const id of ['', 7, null, 'x'.repeat(5000), undefined]) {
    assert.ok(sameAsGeneral(JSON.stringify({ id, image: std })), String(id).slice(0, 20));
  }
});

test('decodePlainBase64 decodes in slices exactly as one native decode', () => {
  const big = Buffer.from(Array.from({ length: 100_003 }, (_, i) => (i * 7919) & 0xff));
  const text = Buffer.from(`"${big.toString('base64')}"`);
  assert.deepEqual(decodePlainBase64(text, 1, text.length - 1), big);
  const broken = Buffer.from(text);
  broken[50_000] = 0x2e;
  assert.equal(decodePlainBase64(broken, 1, broken.length - 1), undefined);
});
