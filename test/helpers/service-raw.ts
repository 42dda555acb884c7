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
}

export function parseReply(raw: string, closed: boolean): RawReply | undefined {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return closed ? { status: 0, headers: {}, body: raw, closed } : undefined;
  const [statusLine = '', ...lines] = raw.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = raw.slice(end + 4);
  const length = Number(headers['content-length'] ?? NaN);
  if (!closed && !(Buffer.byteLength(body) >= length)) return undefined;
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0), headers, body, closed };
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
        socket.write(raw, () => finish({ status: 0, headers: {}, body: '', closed: false }));
        return;
      }
      if (opts.end) socket.end(raw);
      else socket.write(raw);
    });
    const timer = setTimeout(() => finish({ status: 0, headers: {}, body: data, closed: false }), opts.timeoutMs ?? 5000);
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
