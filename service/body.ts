/**
 * Reading request bodies: JSON (any content type but multipart, because old
 * clients send JSON as text/plain or with no type) through the streaming
 * reader in json-body.ts, and multipart/form-data through busboy. Both stop
 * at the byte limit; every failure is a catalog error so the client always
 * gets a JSON body.
 */
import type { Request, RequestHandler } from 'express';
import { readJsonBody } from './json-body.js';
import { readMultipart } from './multipart-body.js';

export function isMultipart(req: Request): boolean {
  return /^multipart\/form-data\b/i.test(req.headers['content-type'] ?? '');
}

/** JSON or multipart, whichever the request carries; result in req.body. `jsonFastPath`: see readJsonBody. */
export function readBody(maxBytes: number, jsonFastPath?: (bytes: Buffer) => unknown): RequestHandler {
  return (req, _res, next) => {
    const reading = isMultipart(req) ? readMultipart(req, maxBytes) : readJsonBody(req, maxBytes, { fastPath: jsonFastPath });
    reading.then((body) => {
      req.body = body;
      next();
    }, next);
  };
}
