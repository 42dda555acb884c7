/**
 * Raw TCP exchanges with a service, for what fetch cannot send: bad HTTP,
 * bodies shorter than their Content-Length, connections cut mid-body. The
 * reply is whatever came back before the first complete response (by its
 * Content-Length) or the close.
 */
import { connect } from 'node:net';

export interface RawReply {
  /** 0 when nothing parseable came back */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** the server closed the connection */
  closed: boolean;
  /** characters of the input this reply took */
  length: number;
}

const NO_REPLY = { status: 0, headers: {}, body: '', closed: false, length: 0 } satisfies RawReply;

/** The first response in `raw` (latin1 text), or undefined while it is incomplete and the connection open. */
export function parseReply(raw: string, closed: boolean): RawReply | undefined {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return closed ? { ...NO_REPLY, body: raw, closed, length: raw.length } : undefined;
  const [statusLine = '', ...lines] = raw.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const declared = Number(headers['content-length'] ?? NaN);
  const complete = raw.length - (end + 4) >= declared;
  if (!closed && !complete) return undefined;
  const body = complete ? raw.slice(end + 4, end + 4 + declared) : raw.slice(end + 4);
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0), headers, body, closed, length: end + 4 + body.length };
}

export interface RawOptions {
  /** half-close after writing (the client has nothing more to say) */
  end?: boolean;
  /** give up waiting for a reply after this long (the reply then has status 0) @default 5000 */
  timeoutMs?: number;
  /** destroy the socket right after writing, without waiting for any reply */
  abort?: boolean;
}

export function rawRequest(url: string, raw: string | Buffer, opts: RawOptions = {}): Promise<RawReply> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    let data = '';
    let done = false;
    const finish = (reply: RawReply): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(reply);
    };
    const socket = connect(Number(port), hostname, () => {
      if (opts.abort) {
        socket.write(raw, () => finish(NO_REPLY));
        return;
      }
      if (opts.end) socket.end(raw);
      else socket.write(raw);
    });
    const timer = setTimeout(() => finish({ ...NO_REPLY, body: data, length: data.length }), opts.timeoutMs ?? 5000);
    socket.on('data', (d: Buffer) => {
      data += d.toString('latin1');
      const reply = parseReply(data, false);
      if (reply) finish(reply);
    });
    socket.on('close', () => finish(parseReply(data, true)!));
    socket.on('error', () => {});
  });
}

/** A POST with the given headers and body bytes, Content-Length from `declared` (default: the real length). */
export function rawPost(path: string, headers: Record<string, string>, body: string | Buffer, declared?: number): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
  const head = [`POST ${path} HTTP/1.1`, 'Host: test', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), `Content-Length: ${declared ?? bytes.length}`, '', ''].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), bytes]);
}

/** One keep-alive connection: requests sent one after another, each answer read in turn. */
export class RawConnection {
  private data = '';
  private closed = false;
  private wake: (() => void) | undefined;
  private readonly socket;

  private constructor(url: string) {
    const { hostname, port } = new URL(url);
    this.socket = connect(Number(port), hostname);
    this.socket.on('data', (d: Buffer) => {
      this.data += d.toString('latin1');
      this.wake?.();
    });
    this.socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    this.socket.on('error', () => {});
  }

  static open(url: string): Promise<RawConnection> {
    const c = new RawConnection(url);
    return new Promise((resolve, reject) => {
      c.socket.once('connect', () => resolve(c));
      c.socket.once('error', reject);
    });
  }

  /** Sends `raw` and resolves with the next complete reply, and how long it took (ms). */
  async send(raw: string | Buffer): Promise<RawReply & { ms: number }> {
    const started = performance.now();
    this.socket.write(raw);
    for (;;) {
      const reply = parseReply(this.data, this.closed);
      if (reply) {
        this.data = this.data.slice(reply.length);
        return { ...reply, ms: performance.now() - started };
      }
      await new Promise<void>((r) => (this.wake = r));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
