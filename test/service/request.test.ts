import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../service/errors.js';
import { decodeBase64Image, parseImageRequest, readableId, sniffImageFormat } from '../../service/request.js';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const b64 = PNG.toString('base64');

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected ApiError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected an error');
}

test('plain JSON object gives the id and the decoded bytes', () => {
  const r = parseImageRequest({ id: 'abc', image: b64 });
  assert.equal(r.id, 'abc');
  assert.deepEqual(r.image, PNG);
});

test('double-encoded body (a JSON string holding the object) is accepted', () => {
  const r = parseImageRequest(JSON.stringify({ id: 'u5', image: b64 }));
  assert.equal(r.id, 'u5');
  assert.deepEqual(r.image, PNG);
});

test('data: URL prefix, URL-safe alphabet, missing padding and line breaks are accepted', () => {
  const bytes = Buffer.from([0xfb, 0xff, 0xfe, 0x01, 0x02]);
  const std = bytes.toString('base64');
  assert.deepEqual(decodeBase64Image(`data:image/png;base64,${std}`), bytes);
  assert.deepEqual(decodeBase64Image(bytes.toString('base64url')), bytes);
  assert.deepEqual(decodeBase64Image(std.replace(/=+$/, '')), bytes);
  assert.deepEqual(decodeBase64Image(`${std.slice(0, 4)}\r\n${std.slice(4)}`), bytes);
});

test('invalid base64 is invalid_base64', () => {
  for (const bad of ['!!!!', 'abc*', 'a', 'ab=c', '====', 'data:image/png;base64,']) {
    assert.equal(apiError(() => decodeBase64Image(bad)).code, 'invalid_base64', bad);
  }
});

test('missing, empty and non-string fields are 400s that name the field', () => {
  const cases: Array<[unknown, string, string]> = [
    [{ image: b64 }, 'missing_field', 'id'],
    [{ id: '', image: b64 }, 'missing_field', 'id'],
    [{ id: 7, image: b64 }, 'invalid_field', 'id'],
    [{ id: 'x' }, 'missing_field', 'image'],
    [{ id: 'x', image: '' }, 'missing_field', 'image'],
    [{ id: 'x', image: ['a'] }, 'invalid_field', 'image'],
    [{ id: 'x'.repeat(5000), image: b64 }, 'invalid_field', 'id'],
  ];
  for (const [body, code, field] of cases) {
    const err = apiError(() => parseImageRequest(body));
    assert.equal(err.code, code, JSON.stringify(body).slice(0, 60));
    assert.equal(err.status, 400);
    assert.match(err.message, new RegExp(`"${field}"`));
  }
});

test('bodies that are not objects are rejected as 400', () => {
  for (const body of [undefined, null, 42, [1, 2], 'not json', JSON.stringify([1]), true]) {
    assert.equal(apiError(() => parseImageRequest(body)).status, 400, String(body));
  }
});

test('readableId finds the id even when the rest is wrong, and never throws', () => {
  assert.equal(readableId({ id: 'keep', image: 5 }), 'keep');
  assert.equal(readableId(JSON.stringify({ id: 'inner' })), 'inner');
  assert.equal(readableId('{not json'), undefined);
  assert.equal(readableId({ id: 12 }), undefined);
  assert.equal(readableId({ kind: 'multipart', fields: { id: 'mp' }, files: {} }), 'mp');
});

test('multipart: image file, or base64 field; id generated when absent', () => {
  const withId = parseImageRequest({ kind: 'multipart', fields: { id: 'given' }, files: { image: PNG } });
  assert.equal(withId.id, 'given');
  const generated = parseImageRequest({ kind: 'multipart', fields: { image: b64 }, files: {} });
  assert.match(generated.id, /^[0-9a-f-]{36}$/);
  assert.deepEqual(generated.image, PNG);
  assert.equal(apiError(() => parseImageRequest({ kind: 'multipart', fields: {}, files: {} })).code, 'missing_field');
});

test('format sniffing knows JPEG, PNG and WebP by their magic bytes only', () => {
  assert.equal(sniffImageFormat(Buffer.from([0xff, 0xd8, 0xff, 0xe0])), 'jpeg');
  assert.equal(sniffImageFormat(PNG), 'png');
  assert.equal(sniffImageFormat(Buffer.from('RIFF\0\0\0\0WEBPVP8 ', 'latin1')), 'webp');
  assert.equal(sniffImageFormat(Buffer.from('GIF89a')), undefined);
  assert.equal(sniffImageFormat(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')), undefined);
  assert.equal(sniffImageFormat(Buffer.alloc(0)), undefined);
});
