/**
 * Every accepted body form → { id, image bytes }. Pure: the HTTP layer hands
 * over what it parsed (a JSON value or multipart parts) and gets back either
 * a request or an ApiError naming what was wrong, with the id when readable.
 *
 * Forms: {"id","image"} as JSON; the same object JSON-encoded a second time
 * (the course client's requests.post(json=json.dumps(data))); multipart with
 * an `image` file (or base64 field) and an optional `id`; and the plain
 * object with its image already decoded by the body reader (image-body.ts).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ApiError } from './errors.js';
import { isImageJsonBody, type ImageJsonBody } from './image-body.js';
import { JSON_LIMITS, scanJson } from './json-scan.js';

export interface ImageRequest {
  id: string;
  image: Buffer;
}

export interface MultipartBody {
  kind: 'multipart';
  fields: Record<string, string>;
  files: Record<string, Buffer>;
}

export const MAX_ID_LENGTH = 1024;

const Id = z.string().min(1).max(MAX_ID_LENGTH);
const JsonRequest = z.object({ id: Id, image: z.string().min(1) });
const DecodedJsonRequest = z.object({ id: Id });

export function isMultipartBody(body: unknown): body is MultipartBody {
  return typeof body === 'object' && body !== null && (body as { kind?: unknown }).kind === 'multipart';
}

/** The id as far as it can be read, so even an error response can echo it. */
export function readableId(body: unknown): string | undefined {
  let value: unknown;
  try {
    value = isMultipartBody(body) || isImageJsonBody(body) ? body.fields.id : objectOf(body)?.id;
  } catch {
    return undefined;
  }
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH ? value : undefined;
}

export function parseImageRequest(body: unknown): ImageRequest {
  if (isMultipartBody(body)) return fromMultipart(body);
  if (isImageJsonBody(body)) return fromDecoded(body);
  const object = objectOf(body);
  if (object === undefined) {
    throw new ApiError('invalid_request', body === undefined ? 'request body is empty' : undefined);
  }
  const parsed = JsonRequest.safeParse(object);
  if (!parsed.success) throw fieldError(parsed.error.issues[0], object);
  return { id: parsed.data.id, image: decodeBase64Image(parsed.data.image) };
}

/** A plain object, or the object inside a JSON string (double encoding). */
function objectOf(body: unknown): Record<string, unknown> | undefined {
  let value = body;
  if (typeof value === 'string') {
    // The inner JSON gets the same structure limits as a body, before it is parsed.
    if (scanJson(value) !== 'ok') {
      throw new ApiError('json_too_complex', `the JSON inside the string is nested deeper than ${JSON_LIMITS.maxDepth} levels or has more than ${JSON_LIMITS.maxTokens} values`);
    }
    try {
      value = JSON.parse(value);
    } catch {
      throw new ApiError('malformed_json', 'request body is a JSON string that does not hold valid JSON');
    }
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function fieldError(issue: z.core.$ZodIssue | undefined, object: Record<string, unknown>): ApiError {
  const field = String(issue?.path[0] ?? 'image');
  const value = object[field];
  if (value === undefined || value === null || value === '') return new ApiError('missing_field', `field "${field}" is missing or empty`);
  if (typeof value !== 'string') return new ApiError('invalid_field', `field "${field}" must be a string`);
  return new ApiError('invalid_field', `field "${field}" is longer than ${MAX_ID_LENGTH} characters`);
}

function fromDecoded(body: ImageJsonBody): ImageRequest {
  const parsed = DecodedJsonRequest.safeParse(body.fields);
  if (!parsed.success) throw fieldError(parsed.error.issues[0], body.fields);
  return { id: parsed.data.id, image: body.image };
}

function fromMultipart(body: MultipartBody): ImageRequest {
  const id = body.fields.id;
  if (id !== undefined && id.length > MAX_ID_LENGTH) {
    throw new ApiError('invalid_field', `field "id" is longer than ${MAX_ID_LENGTH} characters`);
  }
  const file = body.files.image;
  const field = body.fields.image;
  let image: Buffer;
  if (file !== undefined && file.length > 0) image = file;
  else if (field !== undefined && field.length > 0) image = decodeBase64Image(field);
  else throw new ApiError('missing_field', 'field "image" is missing or empty');
  return { id: id !== undefined && id.length > 0 ? id : randomUUID(), image };
}

const DATA_URL_PREFIX = /^data:[^,]{0,200};base64,/i;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * Standard or URL-safe base64, padding optional, line breaks ignored, data: URL prefix allowed.
 * What nearly every client sends, plain padded base64, is recognised by
 * re-encoding natively; the regular expressions below cost over a
 * millisecond on a typical photo, more than the whole postprocessing.
 */
export function decodeBase64Image(text: string): Buffer {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length > 0 && bytes.toString('base64') === text) return bytes;
  return decodeLenient(text);
}

function decodeLenient(text: string): Buffer {
  const compact = text.replace(DATA_URL_PREFIX, '').replace(/\s+/g, '');
  if (compact.length === 0 || !BASE64.test(compact) || compact.replace(/=+$/, '').length % 4 === 1) {
    throw new ApiError('invalid_base64');
  }
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length === 0) throw new ApiError('invalid_base64');
  return bytes;
}

export type ImageFormat = 'jpeg' | 'png' | 'webp';

/** By magic bytes, so SVG, GIF, TIFF or HEIF never reach the decoder. */
export function sniffImageFormat(bytes: Buffer): ImageFormat | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_MAGIC)) return 'png';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return undefined;
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function requireSupportedImage(bytes: Buffer): ImageFormat {
  const format = sniffImageFormat(bytes);
  if (format === undefined) throw new ApiError('unsupported_media');
  return format;
}
