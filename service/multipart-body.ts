/**
 * multipart/form-data through busboy, within the byte and part limits.
 * Every stream involved (the request, the parser, each file part) has an
 * error listener: busboy reports a truncated form ("Unexpected end of
 * form") on the file stream as well as on the parser, and an unheard
 * stream error would end the process. Any failure settles the promise once
 * with a catalog error and drops the rest of the body.
 */
import busboy from 'busboy';
import type { IncomingMessage } from 'node:http';
import { ApiError } from './errors.js';
import type { MultipartBody } from './request.js';

const LIMITS = { files: 4, fields: 16, parts: 20 };

export function readMultipart(req: IncomingMessage, maxBytes: number): Promise<MultipartBody> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: maxBytes, fieldSize: maxBytes, ...LIMITS } });
    } catch (err) {
      reject(new ApiError('invalid_request', `multipart body cannot be read: ${(err as Error).message}`));
      return;
    }
    const body: MultipartBody = { kind: 'multipart', fields: {}, files: {} };
    let total = 0;
    let settled = false;
    const fail = (err: ApiError): void => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      req.resume();
      reject(err);
    };
    const broken = (err: Error): void => fail(new ApiError('invalid_request', `multipart body cannot be read: ${err.message}`));
    const count = (n: number): void => {
      total += n;
      if (total > maxBytes) fail(new ApiError('body_too_large'));
    };
    const tooMany = (what: string): void => fail(new ApiError('invalid_request', `multipart body has more ${what} than the ${LIMITS[what as keyof typeof LIMITS]} allowed`));
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) fail(new ApiError('body_too_large'));
      count(value.length);
      if (!settled) body.fields[name] = value;
    });
    parser.on('file', (name, stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => {
        count(chunk.length);
        if (!settled) chunks.push(chunk);
      });
      stream.on('limit', () => fail(new ApiError('body_too_large')));
      stream.on('error', broken);
      stream.on('close', () => {
        if (!settled) body.files[name] = Buffer.concat(chunks);
      });
    });
    parser.on('partsLimit', () => tooMany('parts'));
    parser.on('filesLimit', () => tooMany('files'));
    parser.on('fieldsLimit', () => tooMany('fields'));
    parser.on('error', broken);
    parser.on('close', () => {
      if (settled) return;
      settled = true;
      resolve(body);
    });
    req.on('error', () => fail(new ApiError('invalid_request', 'request body could not be read')));
    req.on('close', () => {
      if (!req.complete) fail(new ApiError('invalid_request', 'request aborted before its body was complete'));
    });
    req.pipe(parser);
  });
}
