/**
 * One request of each bad-input class in docs/service.md's error table, sent
 * to two servers (the image and `npm start`), so scripts/test-image.sh can
 * check that both answer each the same way: status, error code and id echo.
 * Not sent: request_timeout (the service waits 60 s for a body) and the 503s
 * (they come from load and shutdown, not from what a request says). The
 * pixel bomb is shared with the service tests (png-bomb.ts).
 */
import { connect } from 'node:net';
import { pngBomb } from './png-bomb.js';

export interface Answer {
  status: number;
  code: string | null;
  id: string | null;
}

export interface BadInput {
  /** the error code docs/service.md gives for it */
  expect: string;
  what: string;
  send: (base: string) => Promise<Answer>;
}

const MIB = 1024 * 1024;

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  return parseAnswer(res.status, text);
}

function parseAnswer(status: number, text: string): Answer {
  try {
    const body = JSON.parse(text) as { id?: unknown; error?: { code?: unknown } };
    return { status, code: typeof body.error?.code === 'string' ? body.error.code : null, id: typeof body.id === 'string' ? body.id : null };
  } catch {
    return { status, code: null, id: null };
  }
}

const post = (path: string, body: string | Uint8Array, headers: Record<string, string> = { 'content-type': 'application/json' }) => async (base: string) =>
  answer(await fetch(`${base}${path}`, { method: 'POST', headers, body }));

const json = (value: unknown) => post('/api/object_detection', JSON.stringify(value));

/** A request that is not HTTP, over a raw socket: fetch cannot send one. */
function rawHttp(base: string, bytes: string): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    let reply = '';
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer to a malformed request within 10 s')));
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (d: Buffer) => (reply += d.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(reply)?.[1] ?? 0);
      resolve(parseAnswer(status, reply.slice(reply.indexOf('\r\n\r\n') + 4)));
    });
  });
}

export function badInputs(photo: Buffer): BadInput[] {
  const b64 = photo.toString('base64');
  return [
    { expect: 'malformed_json', what: 'body is not JSON', send: post('/api/object_detection', '{"id": "a", "image": ') },
    { expect: 'invalid_request', what: 'body is a JSON array', send: json([1, 2]) },
    { expect: 'missing_field', what: 'no id', send: json({ image: b64 }) },
    { expect: 'invalid_field', what: 'id is a number', send: json({ id: 42, image: b64 }) },
    { expect: 'invalid_base64', what: 'image is not base64', send: json({ id: 'b64', image: 'this is not base64!' }) },
    { expect: 'unsupported_media', what: 'image is text', send: json({ id: 'text', image: Buffer.from('hello, not an image').toString('base64') }) },
    { expect: 'corrupt_image', what: 'the photo cut to a third', send: json({ id: 'cut', image: photo.subarray(0, Math.floor(photo.length / 3)).toString('base64') }) },
    { expect: 'too_many_pixels', what: '30000×30000 PNG header', send: json({ id: 'bomb', image: pngBomb().toString('base64') }) },
    { expect: 'body_too_large', what: '8 MiB + 20 B body', send: json({ id: 'big', image: 'A'.repeat(8 * MIB) }) },
    { expect: 'unsupported_encoding', what: 'Content-Encoding x-unknown', send: post('/api/object_detection', JSON.stringify({ id: 'enc', image: b64 }), { 'content-type': 'application/json', 'content-encoding': 'x-unknown' }) },
    { expect: 'invalid_request', what: 'multipart without boundary', send: post('/api/object_detection', 'x', { 'content-type': 'multipart/form-data' }) },
    { expect: 'not_found', what: 'GET /nope', send: async (base) => answer(await fetch(`${base}/nope`)) },
    { expect: 'method_not_allowed', what: 'GET /api/object_detection', send: async (base) => answer(await fetch(`${base}/api/object_detection`)) },
    { expect: 'headers_too_large', what: '64 KiB header', send: (base) => rawHttp(base, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`) },
    { expect: 'bad_http', what: 'not HTTP at all', send: (base) => rawHttp(base, 'HELLO THERE\r\n\r\n') },
  ];
}

export const sameAnswer = (a: Answer, b: Answer): boolean => a.status === b.status && a.code === b.code && a.id === b.id;

export const showAnswer = (a: Answer): string => `${a.status} ${a.code ?? '(no code)'}${a.id ? ` id=${a.id}` : ''}`;
