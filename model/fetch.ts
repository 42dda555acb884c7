/**
 * Downloads and copies that either produce a complete, verified file or
 * leave nothing behind: data goes to a temp file beside the destination,
 * is checked (length, size, sha256), and only then renamed into place.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** `io`: the local source of a copy could not be read. */
export type DownloadErrorKind = 'http' | 'network' | 'timeout' | 'truncated' | 'size' | 'checksum' | 'aborted' | 'io';

export class DownloadError extends Error {
  override readonly name = 'DownloadError';
  constructor(
    readonly kind: DownloadErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export interface Expected {
  /** lowercase hex */
  sha256?: string;
  /** bytes */
  size?: number;
}

export interface DownloadOptions extends Expected {
  /** longest wait for the connection, the headers, or the next chunk of the body */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface Verified {
  bytes: number;
  sha256: string;
}

export async function downloadVerified(url: string, dest: string, opts: DownloadOptions): Promise<Verified> {
  const controller = new AbortController();
  const stall = new DownloadError('timeout', `${url}: no data for ${opts.timeoutMs} ms`);
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(stall), opts.timeoutMs);
  };
  const onAbort = () => controller.abort(new DownloadError('aborted', `${url}: download cancelled`));
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  arm();
  try {
    let response: Response;
    try {
      response = await fetch(url, { signal: controller.signal, redirect: 'follow' });
    } catch (err) {
      throw abortReason(controller) ?? new DownloadError('network', `${url}: ${describe(err)}`);
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new DownloadError('http', `${url}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
    }
    const announced = Number(response.headers.get('content-length') ?? NaN);
    const counted = { bytes: 0 };
    const webBody = response.body as import('node:stream/web').ReadableStream;
    return await writeVerified(dest, () => Readable.fromWeb(webBody), opts, url, {
      onChunk: arm,
      counted,
      fail: (err) =>
        abortReason(controller) ??
        new DownloadError('truncated', `${url}: connection lost after ${counted.bytes}${Number.isFinite(announced) ? ` of ${announced}` : ''} bytes (${describe(err)})`),
      announced: Number.isFinite(announced) && !response.headers.has('content-encoding') ? announced : undefined,
    });
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** Copies a local file with the same guarantees as a download. */
export async function copyVerified(src: string, dest: string, expected: Expected = {}): Promise<Verified> {
  const counted = { bytes: 0 };
  return writeVerified(dest, () => createReadStream(src), expected, src, {
    counted,
    fail: (err) => new DownloadError('io', `${src}: ${describe(err)}`),
  });
}

/** sha256 and size of a file already on disk. */
export async function hashFile(path: string): Promise<Verified> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

interface WriteHooks {
  counted: { bytes: number };
  fail: (err: unknown) => Error;
  onChunk?: () => void;
  announced?: number | undefined;
}

/** `open` runs only once the pipeline is ready to handle its errors. */
async function writeVerified(dest: string, open: () => Readable, expected: Expected, from: string, hooks: WriteHooks): Promise<Verified> {
  await mkdir(dirname(dest), { recursive: true });
  const temp = join(dirname(dest), `.${basename(dest)}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.part`);
  const hash = createHash('sha256');
  try {
    try {
      await pipeline(
        open(),
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            hash.update(chunk);
            hooks.counted.bytes += chunk.length;
            hooks.onChunk?.();
            yield chunk;
          }
        },
        createWriteStream(temp),
      );
    } catch (err) {
      throw hooks.fail(err);
    }
    const bytes = hooks.counted.bytes;
    if (hooks.announced !== undefined && bytes !== hooks.announced) {
      throw new DownloadError('truncated', `${from}: got ${bytes} of ${hooks.announced} bytes`);
    }
    if (expected.size !== undefined && bytes !== expected.size) {
      throw new DownloadError('size', `${from}: ${bytes} bytes, expected ${expected.size}`);
    }
    const sha256 = hash.digest('hex');
    if (expected.sha256 !== undefined && sha256 !== expected.sha256.toLowerCase()) {
      throw new DownloadError('checksum', `${from}: sha256 ${sha256}, expected ${expected.sha256}`);
    }
    await rename(temp, dest);
    return { bytes, sha256 };
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

function abortReason(controller: AbortController): DownloadError | undefined {
  const reason: unknown = controller.signal.reason;
  return controller.signal.aborted && reason instanceof DownloadError ? reason : undefined;
}

/** The most specific message in an error chain (fetch hides the socket error in `cause`). */
function describe(err: unknown): string {
  let current: unknown = err;
  let message = String(err);
  while (current instanceof Error) {
    const code = (current as NodeJS.ErrnoException).code;
    message = code && !current.message.includes(code) ? `${code} ${current.message}` : current.message;
    current = current.cause;
  }
  return message;
}
