/**
 * Requests too broken for Express to see (bad HTTP syntax, oversized
 * headers, a body that never arrives) are answered here, with the same
 * JSON error shape and X-Served-By, instead of Node's bare default reply.
 */
import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, errorBody, type ErrorCode } from './errors.js';

function codeFor(err: NodeJS.ErrnoException): ErrorCode {
  if (err.code === 'HPE_HEADER_OVERFLOW') return 'headers_too_large';
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'request_timeout';
  return 'bad_http';
}

export function rawErrorResponse(err: NodeJS.ErrnoException, replica: string): string {
  const apiError = new ApiError(codeFor(err));
  const body = JSON.stringify(errorBody(apiError, undefined));
  return [
    `HTTP/1.1 ${apiError.status} ${STATUS_CODES[apiError.status] ?? ''}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Served-By: ${replica.replace(/[^\x21-\x7e]/g, '_')}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

/** Node's own record of the response being written on a socket, if any. */
type HttpSocket = Duplex & { _httpMessage?: { headersSent?: boolean } };

export function answerClientErrors(server: Server, replica: string): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: HttpSocket) => {
    // A reset connection cannot take an answer, and one whose response is half written would get it spliced in.
    if (err.code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent === true) {
      socket.destroy();
      return;
    }
    socket.end(rawErrorResponse(err, replica));
  });
}
