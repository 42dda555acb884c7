/**
 * The fast path for the body nearly every client sends: a JSON object with
 * a plain base64 `image` member. The base64 is decoded straight from the
 * raw body bytes, and only the rest of the body (the id, a few bytes) goes
 * through JSON.parse.
 *
 * Why: the general path turns a 170 KB body into a UTF-8 string, JSON.parse
 * copies the image out of it into a second string, and recognising plain
 * base64 re-encodes it into a third. Strings that large live in V8's
 * large-object space, which counts as old generation: in a profiled replica
 * they drove a full mark-compact every few requests, and that garbage
 * collection cost more CPU than all the request handling around it. Here
 * the base64 is sliced into short strings, which die young.
 *
 * The path only ever takes bodies the general path would answer the same
 * way, and gives `undefined` for everything else (escapes anywhere, a
 * data: prefix, line breaks, any character outside the base64 alphabet,
 * the key twice, invalid JSON), which then goes the general way and gets
 * its usual answer.
 */

/** A JSON body whose `image` was decoded on the way in; `fields` holds the other members. */
export interface ImageJsonBody {
  kind: 'json-image';
  fields: Record<string, unknown>;
  image: Buffer;
}

export function isImageJsonBody(body: unknown): body is ImageJsonBody {
  return typeof body === 'object' && body !== null && (body as { kind?: unknown }).kind === 'json-image';
}

const KEY = Buffer.from('"image"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const EQUALS = 0x3d;

/** Base64 characters per decoded slice: a multiple of 4, and a string small enough for V8's young generation. */
const SLICE = 16_384;

function skipWhitespace(bytes: Buffer, i: number): number {
  let at = i;
  while (at < bytes.length && (bytes[at] === 0x20 || bytes[at] === 0x09 || bytes[at] === 0x0a || bytes[at] === 0x0d)) at += 1;
  return at;
}

/** The decoded image and the other members, or undefined when the body is not the plain form. */
export function imageJsonBody(bytes: Buffer): ImageJsonBody | undefined {
  const key = bytes.indexOf(KEY);
  // A second "image" (a nested member, a duplicate key) would need a real parser to tell which one counts.
  if (key < 0 || bytes.indexOf(KEY, key + KEY.length) >= 0) return undefined;
  let at = skipWhitespace(bytes, key + KEY.length);
  if (bytes[at] !== COLON) return undefined;
  at = skipWhitespace(bytes, at + 1);
  if (bytes[at] !== QUOTE) return undefined;
  const start = at + 1;
  const end = bytes.indexOf(QUOTE, start);
  if (end < 0) return undefined;
  const image = decodePlainBase64(bytes, start, end);
  if (image === undefined) return undefined;
  const rest = Buffer.concat([bytes.subarray(0, start), bytes.subarray(end)]);
  // Without escapes every quote in the body delimits a string, so the one literal "image" is a member name.
  if (rest.indexOf(BACKSLASH) >= 0) return undefined;
  let fields: unknown;
  try {
    fields = JSON.parse(rest.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields) || (fields as Record<string, unknown>).image !== '') return undefined;
  delete (fields as Record<string, unknown>).image;
  return { kind: 'json-image', fields: fields as Record<string, unknown>, image };
}

/**
 * `bytes[start, end)` as standard or URL-safe base64 with at most two `=`
 * of padding, decoded; undefined when anything else is there. Node's decoder
 * skips characters outside the alphabet and stops at `=`, so a slice that
 * decodes to fewer bytes than its length promises held one of those.
 */
export function decodePlainBase64(bytes: Buffer, start: number, end: number): Buffer | undefined {
  let stop = end;
  while (stop > start && end - stop < 2 && bytes[stop - 1] === EQUALS) stop -= 1;
  const chars = stop - start;
  if (chars === 0 || chars % 4 === 1) return undefined;
  const out = Buffer.allocUnsafe(Math.floor((chars * 3) / 4));
  let written = 0;
  for (let from = start; from < stop; from += SLICE) {
    const to = Math.min(stop, from + SLICE);
    const expected = Math.floor(((to - from) * 3) / 4);
    if (out.write(bytes.toString('latin1', from, to), written, expected, 'base64') !== expected) return undefined;
    written += expected;
  }
  return out;
}
