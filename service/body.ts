/**
 * Reading request bodies: JSON (any content type but multipart, because old
 * clients send JSON as text/plain or with no type) through express.json, and
 * multipart/form-data through busboy. Both stop at the byte limit; errors of
 * either become catalog errors so the client always gets a JSON body.
 */
import busboy from 'busboy';
import express, { type Request, type RequestHandler } from 'express';
import { ApiError } from './errors.js';
import type { MultipartBody } from './request.js';

export function isMultipart(req: Request): boolean {
  return /^multipart\/form-data\b/i.test(req.headers['content-type'] ?? '');
}

/** JSON or multipart, whichever the request carries; result in req.body. */
export function readBody(maxBytes: number): RequestHandler {
  const json = express.json({ limit: maxBytes, strict: false, type: (req) => !isMultipart(req as Request) });
  return (req, res, next) => {
    if (!isMultipart(req)) {
      json(req, res, (err?: unknown) => next(err === undefined ? undefined : bodyParserError(err)));
      return;
    }
    readMultipart(req, maxBytes).then((body) => {
      req.body = body;
      next();
    }, next);
  };
}

/** body-parser's http-errors (with `type`) → catalog errors. */
export function bodyParserError(err: unknown): unknown {
  const e = err as { type?: string; status?: number; message?: string };
  switch (e.type) {
    case 'entity.too.large':
      return new ApiError('body_too_large', undefined, { cause: err });
    case 'entity.parse.failed':
      return new ApiError('malformed_json', undefined, { cause: err });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError('unsupported_encoding', e.message, { cause: err });
    default:
      return typeof e.status === 'number' && e.status >= 400 && e.status < 500
        ? new ApiError('invalid_request', e.message ?? 'request body could not be read', { cause: err })
        : err;
  }
}

function readMultipart(req: Request, maxBytes: number): Promise<MultipartBody> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: maxBytes, fieldSize: maxBytes, files: 4, fields: 16, parts: 20 } });
    } catch (err) {
      reject(new ApiError('invalid_request', `multipart body cannot be read: ${(err as Error).message}`));
      return;
    }
    const body: MultipartBody = { kind: 'multipart', fields: {}, files: {} };
    let total = 0;
    let failed = false;
    const fail = (err: ApiError): void => {
      if (failed) return;
      failed = true;
      req.unpipe(parser);
      req.resume();
      reject(err);
    };
    const count = (n: number): void => {
      total += n;
      if (total > maxBytes) fail(new ApiError('body_too_large'));
    };
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) fail(new ApiError('body_too_large'));
      count(value.length);
      body.fields[name] = value;
    });
    parser.on('file', (name, stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => {
        count(chunk.length);
        if (!failed) chunks.push(chunk);
      });
      stream.on('limit', () => fail(new ApiError('body_too_large')));
      stream.on('close', () => {
        if (!failed) body.files[name] = Buffer.concat(chunks);
      });
    });
    parser.on('error', (err: Error) => fail(new ApiError('invalid_request', `multipart body cannot be read: ${err.message}`)));
    parser.on('close', () => {
      if (!failed) resolve(body);
    });
    req.on('aborted', () => fail(new ApiError('invalid_request', 'request aborted')));
    req.pipe(parser);
  });
}
