/**
 * Reading a JSON request body as it streams in: content encoding (gzip,
 * deflate, br), charset (UTF-8 only: RFC 8259 §8.1), the byte limit on both
 * the wire and the inflated bytes, and the structure pre-scan, all applied
 * chunk by chunk, so an oversized, hostile or broken body is answered as
 * soon as it is known to be one, without waiting for the rest. Whatever
 * goes wrong (a decompressor error, a client that aborts) settles the
 * promise once with a catalog error; no stream is left without an error
 * listener.
 */
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { ApiError } from './errors.js';
import { JSON_LIMITS, JsonScanner, type JsonLimits } from './json-scan.js';

/** Charset names that mean UTF-8 (US-ASCII is a subset); no charset means UTF-8 too. */
const UTF8 = new Set(['utf-8', 'utf8', 'us-ascii']);

export function charsetOf(contentType: string | undefined): string | undefined {
  return /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(contentType ?? '')?.[1]?.toLowerCase();
}

function decoderFor(encoding: string): Readable & NodeJS.WritableStream {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      throw new ApiError('unsupported_encoding', `unsupported content encoding "${encoding}"`);
  }
}

/**
 * Collects a body. With a declared length (the HTTP parser never delivers
 * more) it fills one buffer of that size, whose pages are touched only as
 * bytes arrive, so the body is never held twice while being joined.
 */
class Accumulator {
  private readonly chunks: Buffer[] = [];
  private filled = 0;
  private buffer: Buffer | undefined;

  constructor(private readonly declared: number | undefined) {}

  push(chunk: Buffer): void {
    if (this.declared !== undefined && this.chunks.length === 0 && this.filled + chunk.length <= this.declared) {
      this.buffer ??= Buffer.allocUnsafe(this.declared);
      chunk.copy(this.buffer, this.filled);
    } else {
      if (this.buffer) this.chunks.push(this.buffer.subarray(0, this.filled));
      this.buffer = undefined;
      this.chunks.push(chunk);
    }
    this.filled += chunk.length;
  }

  get length(): number {
    return this.filled;
  }

  bytes(): Buffer {
    return this.buffer ? this.buffer.subarray(0, this.filled) : Buffer.concat(this.chunks, this.filled);
  }
}

export function declaredLength(req: IncomingMessage): number | undefined {
  const header = req.headers['content-length'];
  if (header === undefined) return undefined;
  const n = Number(header);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

export interface JsonBodyOptions {
  /** @default JSON_LIMITS */
  limits?: JsonLimits;
  /** a cheaper reading of the complete body for the shape a route expects; undefined hands it to JSON.parse */
  fastPath?: (bytes: Buffer) => unknown;
}

/**
 * The parsed JSON value (any type: a string is a double-encoded body), or
 * `{}` for an empty body, or what `fastPath` made of it. Rejects with an ApiError; after a rejection the
 * rest of the body is read and dropped so a keep-alive connection stays usable.
 */
export function readJsonBody(req: IncomingMessage, maxBytes: number, opts: JsonBodyOptions = {}): Promise<unknown> {
  const limits = opts.limits ?? JSON_LIMITS;
  return new Promise((resolve, reject) => {
    const charset = charsetOf(req.headers['content-type']);
    if (charset !== undefined && !UTF8.has(charset)) {
      reject(new ApiError('unsupported_encoding', `unsupported charset "${charset}": JSON must be UTF-8`));
      return;
    }
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    let decoder: (Readable & NodeJS.WritableStream) | undefined;
    try {
      decoder = encoding === 'identity' ? undefined : decoderFor(encoding);
    } catch (err) {
      reject(err);
      return;
    }
    const source: Readable = decoder ?? req;
    const body = new Accumulator(decoder ? undefined : declaredLength(req));
    const scanner = new JsonScanner(limits);
    let wireBytes = 0;
    let settled = false;

    const detach = (): void => {
      source.off('data', onData);
      if (decoder) {
        req.off('data', onWire);
        req.unpipe(decoder);
        decoder.destroy();
      }
      // Read and drop whatever is left: the answer can go out now, and the connection stays reusable after it.
      req.resume();
    };
    const fail = (err: ApiError): void => {
      if (settled) return;
      settled = true;
      detach();
      reject(err);
    };
    const onWire = (chunk: Buffer): void => {
      wireBytes += chunk.length;
      if (wireBytes > maxBytes) fail(new ApiError('body_too_large'));
    };
    const onData = (chunk: Buffer): void => {
      if (body.length + chunk.length > maxBytes) {
        fail(new ApiError('body_too_large'));
        return;
      }
      const verdict = scanner.feed(chunk);
      if (verdict !== 'ok') {
        fail(new ApiError('json_too_complex', verdict === 'too-deep'
          ? `JSON is nested deeper than ${limits.maxDepth} levels`
          : `JSON has more than ${limits.maxTokens} structural tokens`));
        return;
      }
      body.push(chunk);
    };
    const onEnd = (): void => {
      if (settled) return;
      settled = true;
      detach();
      if (body.length === 0) {
        resolve({});
        return;
      }
      const bytes = body.bytes();
      const fast = opts.fastPath?.(bytes);
      if (fast !== undefined) {
        resolve(fast);
        return;
      }
      try {
        resolve(JSON.parse(bytes.toString('utf8')));
      } catch {
        reject(new ApiError('malformed_json'));
      }
    };

    source.on('data', onData);
    source.on('end', onEnd);
    source.on('error', () => fail(new ApiError('invalid_request', decoder ? `request body is not valid ${encoding} data` : 'request body could not be read')));
    req.on('error', () => fail(new ApiError('invalid_request', 'request body could not be read')));
    req.on('close', () => {
      if (!req.complete) fail(new ApiError('invalid_request', 'request aborted before its body was complete'));
    });
    if (decoder) {
      req.on('data', onWire);
      req.pipe(decoder);
    }
  });
}
