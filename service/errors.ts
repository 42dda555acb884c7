/**
 * The service's error catalog: every failure a client can see has a stable
 * code, an HTTP status and a one-line message here, so routes never invent
 * statuses and the docs can list them all in one table.
 */

export const ERRORS = {
  malformed_json: { status: 400, message: 'request body is not valid JSON' },
  json_too_complex: { status: 400, message: 'JSON body is nested too deeply or has too many values' },
  invalid_request: { status: 400, message: 'request body is not a JSON object with "id" and "image"' },
  missing_field: { status: 400, message: 'a required field is missing or empty' },
  invalid_field: { status: 400, message: 'a field has the wrong type' },
  invalid_base64: { status: 400, message: 'field "image" is not valid base64' },
  bad_http: { status: 400, message: 'malformed HTTP request' },
  request_timeout: { status: 408, message: 'request was not received in time' },
  headers_too_large: { status: 431, message: 'request headers are too large' },
  not_found: { status: 404, message: 'no such route' },
  method_not_allowed: { status: 405, message: 'method not allowed on this route' },
  body_too_large: { status: 413, message: 'request body exceeds the size limit' },
  unsupported_media: { status: 415, message: 'image is not a JPEG, PNG or WebP' },
  unsupported_encoding: { status: 415, message: 'unsupported content encoding' },
  too_many_pixels: { status: 422, message: 'image has more pixels than allowed' },
  corrupt_image: { status: 422, message: 'image could not be decoded' },
  overloaded: { status: 503, message: 'server is busy, retry later' },
  shutting_down: { status: 503, message: 'server is shutting down' },
  not_ready: { status: 503, message: 'model is not loaded yet' },
  internal: { status: 500, message: 'internal error' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** An error meant for the client: the catalog entry plus an optional specific message. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** seconds, sent as Retry-After */
  readonly retryAfterS: number | undefined;

  constructor(code: ErrorCode, message?: string, options: { retryAfterS?: number; cause?: unknown } = {}) {
    // A client's mistake needs no stack trace, and capturing one through Express's stack costs more than answering it.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message ?? ERRORS[code].message, { cause: options.cause });
    Error.stackTraceLimit = limit;
    this.name = 'ApiError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.retryAfterS = options.retryAfterS;
  }
}

export interface ErrorBody {
  id?: string;
  error: { code: ErrorCode; message: string };
}

export function errorBody(err: ApiError, id: string | undefined): ErrorBody {
  const body: ErrorBody = { error: { code: err.code, message: err.message } };
  return id === undefined ? body : { id, ...body };
}
