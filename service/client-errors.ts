/**
 * Requests too broken for Express to see (bad HTTP syntax, oversized
 * headers, a body that never arrives, an HTTP/1.1 request without Host)
 * are answered here, with the same JSON error shape and X-Served-By,
 * instead of Node's bare default reply.
 */
import { STATUS_CODES, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, errorBody, type ErrorCode } from './errors.js';

function codeFor(err: NodeJS.ErrnoException): ErrorCode {
  if (err.code === 'HPE_HEADER_OVERFLOW') return 'headers_too_large';
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'request_timeout';
  return 'bad_http';
}

function closingHeaders(apiError: ApiError, replica: string): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(errorBody(apiError, undefined));
  return {
    body,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(body)),
      'X-Served-By': replica.replace(/[^\x21-\x7e]/g, '_'),
      Connection: 'close',
    },
  };
}

export function rawErrorResponse(err: NodeJS.ErrnoException, replica: string): string {
  const apiError = new ApiError(codeFor(err));
  const { body, headers } = closingHeaders(apiError, replica);
  return [`HTTP/1.1 ${apiError.status} ${STATUS_CODES[apiError.status] ?? ''}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', body].join('\r\n');
}

/** HTTP/1.1 requires Host (RFC 9112 §3.2); Node would answer its absence with an empty 400 of its own. */
export function requireHost(next: RequestListener, replica: string): RequestListener {
  return (req: IncomingMessage, res) => {
    if (req.httpVersion !== '1.1' || req.headers.host !== undefined) {
      next(req, res);
      return;
    }
    const { body, headers } = closingHeaders(new ApiError('bad_http', 'HTTP/1.1 request without a Host header'), replica);
    res.writeHead(400, headers).end(body);
  };
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
