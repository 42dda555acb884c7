/**
 * Hostile and broken inputs built in memory: the pixel bomb
 * (scripts/lib/png-bomb.ts), and a seeded generator of hostile requests:
 * random and mutated JSON, multipart, nested and huge JSON, double-encoded
 * and compressed bodies, wrong content types, and raw bad HTTP. The same
 * seed always gives the same cases, so a failure names a case that can be
 * replayed.
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { pngBomb } from '../../scripts/lib/png-bomb.js';
import { seededRng as rng } from '../../lib/seeded-rng.js';

export { pngBomb };

export interface FuzzCase {
  what: string;
  /** for a case sent over HTTP: the body, its content type ('' = none) and any other headers */
  body: Buffer;
  contentType: string;
  headers?: Record<string, string>;
  /** when set, these bytes go as they are over a fresh TCP connection instead (the route is ignored) */
  raw?: Buffer;
}

export interface FuzzOptions {
  /** the service's MAX_BODY_BYTES: huge cases are sized around it */
  maxBytes: number;
}

type Random = () => number;

interface Gen {
  random: Random;
  int(n: number): number;
  pick<T>(xs: readonly T[]): T;
  image: Buffer;
  maxBytes: number;
}

const CONTENT_TYPES = ['application/json', 'text/plain', 'application/octet-stream', 'multipart/form-data; boundary=xyz', 'multipart/form-data', 'application/json; charset=utf-16', ''];
const WRONG_TYPES = ['image/jpeg', 'application/x-www-form-urlencoded', 'multipart/mixed; boundary=B', 'text/html; charset=utf-8', 'application/json; charset=', 'multipart/form-data; boundary=', '\u00ff\u00fe', 'application/json; charset=x-unknown'];
const BOUNDARY = 'fuzzB0undary';

function mutate(bytes: Buffer, g: Gen, maxFlips = 8): Buffer {
  const out = Buffer.from(bytes);
  const n = 1 + g.int(maxFlips);
  for (let i = 0; i < n && out.length > 0; i++) out[g.int(out.length)] = g.int(256);
  return out;
}

function randomBytes(g: Gen, n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = g.int(256);
  return out;
}

const envelope = (g: Gen, image: Buffer): Buffer => Buffer.from(JSON.stringify({ id: `fuzz-${g.int(1e9)}`, image: image.toString('base64') }));

/** A multipart form with an id field and the image as a file (or as a base64 field). */
function form(g: Gen, image: Buffer): Buffer {
  const parts = [`--${BOUNDARY}\r\nContent-Disposition: form-data; name="id"\r\n\r\nfuzz-${g.int(1e9)}\r\n`];
  const head = g.random() < 0.7
    ? `--${BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`
    : `--${BOUNDARY}\r\nContent-Disposition: form-data; name="image"\r\n\r\n`;
  const payload = head.includes('filename') ? image : Buffer.from(image.toString('base64'));
  return Buffer.concat([Buffer.from(parts.join('') + head), payload, Buffer.from(`\r\n--${BOUNDARY}--\r\n`)]);
}

/** Nesting of `depth` arrays or objects, optionally inside an otherwise valid envelope. */
function nested(g: Gen, depth: number): string {
  const kind = g.int(3);
  const open = kind === 0 ? '[' : kind === 1 ? '{"a":' : '[{"a":';
  const close = kind === 0 ? ']' : kind === 1 ? '}' : '}]';
  const reps = Math.max(1, Math.floor(depth / (kind === 2 ? 2 : 1)));
  const core = `${open.repeat(reps)}${g.random() < 0.5 ? '0' : '"x"'}${close.repeat(reps)}`;
  return g.random() < 0.3 ? `{"id":"n","image":${core}}` : core;
}

/** Many values: a long array, an object with many keys, or one huge string, sized around the body limit. */
function huge(g: Gen): string {
  const target = Math.floor(g.maxBytes * (0.2 + g.random()));
  const kind = g.int(4);
  if (kind === 0) return `[${'0,'.repeat(Math.floor(target / 2))}0]`;
  if (kind === 1) return `[${'{},'.repeat(Math.floor(target / 3))}{}]`;
  if (kind === 2) return `{${Array.from({ length: Math.floor(target / 12) }, (_, i) => `"k${i}":1`).join(',')}}`;
  return JSON.stringify({ id: 'huge', image: 'A'.repeat(target) });
}

const HTTP_CASES: Array<(g: Gen) => FuzzCase> = [
  (g) => ({ what: 'random bytes', body: randomBytes(g, g.int(2048)), contentType: g.pick(CONTENT_TYPES) }),
  (g) => ({ what: 'mutated JSON envelope', body: mutate(envelope(g, g.image), g), contentType: g.pick(CONTENT_TYPES.slice(0, 3)) }),
  (g) => ({ what: 'valid envelope, mutated image', body: envelope(g, mutate(g.image, g)), contentType: g.pick(CONTENT_TYPES.slice(0, 3)) }),
  (g) => ({ what: 'valid envelope, truncated image', body: envelope(g, g.image.subarray(0, g.int(g.image.length))), contentType: g.pick(CONTENT_TYPES.slice(0, 3)) }),
  (g) => {
    const full = envelope(g, g.image);
    return { what: 'truncated JSON', body: full.subarray(0, g.int(full.length)), contentType: g.pick(CONTENT_TYPES.slice(0, 3)) };
  },
  (g) => ({ what: 'multipart, mutated', body: mutate(form(g, g.image), g, 16), contentType: `multipart/form-data; boundary=${BOUNDARY}` }),
  (g) => {
    const full = form(g, g.random() < 0.5 ? g.image : mutate(g.image, g));
    return { what: 'multipart, truncated', body: full.subarray(0, g.int(full.length)), contentType: `multipart/form-data; boundary=${BOUNDARY}` };
  },
  (g) => ({
    what: 'multipart, wrong or missing boundary',
    body: form(g, g.image),
    contentType: g.pick(['multipart/form-data', 'multipart/form-data; boundary=other', `multipart/form-data; boundary="${BOUNDARY}`, 'multipart/form-data; boundary=' + 'x'.repeat(100)]),
  }),
  (g) => {
    const n = 1 + g.int(60);
    const parts = Array.from({ length: n }, (_, i) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="f${i}"${i % 3 === 0 ? `; filename="f${i}"` : ''}\r\n\r\n${'v'.repeat(g.int(200))}\r\n`).join('');
    return { what: `multipart, ${n} parts`, body: Buffer.from(`${parts}--${BOUNDARY}--\r\n`), contentType: `multipart/form-data; boundary=${BOUNDARY}` };
  },
  (g) => {
    const depth = g.random() < 0.5 ? 1 + g.int(64) : Math.floor(g.maxBytes / (2 + g.int(8)));
    return { what: `nested JSON, depth ${depth}`, body: Buffer.from(nested(g, depth)), contentType: g.pick(CONTENT_TYPES.slice(0, 3)) };
  },
  (g) => ({ what: 'huge JSON', body: Buffer.from(huge(g)), contentType: 'application/json' }),
  (g) => {
    const inner = g.pick([
      () => envelope(g, g.image).toString(),
      () => mutate(envelope(g, g.image), g).toString('latin1'),
      () => nested(g, 1 + g.int(Math.floor(g.maxBytes / 8))),
      () => JSON.stringify(envelope(g, g.image).toString()),
    ])();
    return { what: 'double-encoded body', body: Buffer.from(JSON.stringify(inner)), contentType: g.pick(CONTENT_TYPES.slice(0, 3)) };
  },
  (g) => ({ what: 'valid body, wrong content type', body: g.random() < 0.5 ? envelope(g, g.image) : form(g, g.image), contentType: g.pick(WRONG_TYPES) }),
  (g) => {
    const full = envelope(g, g.image);
    const [encoding, bytes] = g.pick([
      ['gzip', gzipSync(full)],
      ['deflate', deflateSync(full)],
      ['br', brotliCompressSync(full)],
      ['gzip', gzipSync(Buffer.from(`{"id":"bomb","image":"${'A'.repeat(g.maxBytes * 2)}"}`))],
      ['compress', full],
    ] as const);
    const body = g.random() < 0.5 ? bytes : g.random() < 0.5 ? bytes.subarray(0, g.int(bytes.length)) : mutate(bytes, g);
    return { what: `${encoding} body`, body, contentType: 'application/json', headers: { 'content-encoding': encoding } };
  },
];

/** A valid request's head, for the raw cases to break. */
function requestHead(g: Gen, path: string, length: number): string {
  return `POST ${path} HTTP/1.1\r\nHost: fuzz\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${g.random() < 0.3 ? 'Connection: close\r\n' : ''}\r\n`;
}

const RAW_CASES: Array<(g: Gen) => FuzzCase> = [
  (g) => rawCase('raw random bytes', randomBytes(g, 1 + g.int(4096))),
  (g) => {
    const body = envelope(g, g.image);
    const head = Buffer.from(requestHead(g, '/api/object_detection', body.length));
    return rawCase('raw request, mutated head', Buffer.concat([mutate(head, g, 4), body]));
  },
  (g) => {
    const body = envelope(g, g.image);
    const length = g.pick(['-1', '1e3', 'abc', String(body.length + 1e6), `${body.length}, ${body.length + 1}`, '99999999999999999999']);
    return rawCase(`raw request, Content-Length ${length}`, Buffer.concat([Buffer.from(requestHead(g, '/api/object_detection', 0).replace('Content-Length: 0', `Content-Length: ${length}`)), body]));
  },
  (g) => {
    const size = g.pick(['zz', '-5', 'ffffffffffffffff', '3;ext=' + 'x'.repeat(5000), '']);
    return rawCase(`raw chunked body, chunk size "${size.slice(0, 12)}"`, Buffer.from(`POST /api/object_detection HTTP/1.1\r\nHost: fuzz\r\nTransfer-Encoding: chunked\r\n\r\n${size}\r\nabc\r\n0\r\n\r\n`));
  },
  (g) => rawCase('raw request, header overflow', Buffer.from(`POST /api/object_detection HTTP/1.1\r\nHost: fuzz\r\nX-Big: ${'a'.repeat(17_000 + g.int(60_000))}\r\n\r\n`)),
  (g) => rawCase('raw request line garbage', Buffer.from(`${g.pick(['GET', 'POST', 'BREW', '\u0000\u0001'])} ${g.pick(['/', '*', 'http://x/api', '/%%%', ' '])} ${g.pick(['HTTP/1.1', 'HTTP/9.9', 'HTTP/1', ''])}\r\n\r\n`, 'latin1')),
  (g) => {
    const body = envelope(g, g.image);
    return rawCase('raw pipelined: valid request, then garbage', Buffer.concat([Buffer.from(requestHead(g, '/api/object_detection', body.length)), body, randomBytes(g, 1 + g.int(512))]));
  },
];

function rawCase(what: string, raw: Buffer): FuzzCase {
  return { what, body: Buffer.alloc(0), contentType: '', raw };
}

/**
 * `count` cases from `seed`, one kind after another in random order: two
 * in three HTTP bodies, one in three raw HTTP. Generated lazily, so tens
 * of thousands of multi-megabyte cases never sit in memory at once.
 */
export function* fuzzStream(seed: number, count: number, validImage: Buffer, opts: FuzzOptions): Generator<FuzzCase> {
  const random = rng(seed);
  const g: Gen = {
    random,
    int: (n) => Math.floor(random() * n),
    pick: (xs) => xs[Math.floor(random() * xs.length)]!,
    image: validImage,
    maxBytes: opts.maxBytes,
  };
  for (let i = 0; i < count; i++) yield g.random() < 2 / 3 ? g.pick(HTTP_CASES)(g) : g.pick(RAW_CASES)(g);
}

export function fuzzCases(seed: number, count: number, validImage: Buffer, opts: FuzzOptions): FuzzCase[] {
  return [...fuzzStream(seed, count, validImage, opts)];
}
