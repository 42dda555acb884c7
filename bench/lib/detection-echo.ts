/**
 * A detection endpoint that costs almost nothing, for measuring a load
 * generator's own CPU: POST /api/object_detection answers 200 with the id it
 * was sent and a fixed objects list, the shape and headers (Server-Timing,
 * X-Served-By) of the real service. The id is read from the body's first
 * bytes, not by parsing 170 KB of JSON: the server must not be the limit.
 * GET / answers 200 (the RTT probe). Prints its port on stdout, one line.
 *   node --import tsx bench/lib/detection-echo.ts
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const OBJECTS = [
  { label: 'person', accuracy: 0.91, rectangle: { height: 210, left: 40, top: 33, width: 96 } },
  { label: 'dog', accuracy: 0.78, rectangle: { height: 120, left: 300, top: 200, width: 150 } },
];
const ID_PREFIX = '{"id":"';
const HEAD_BYTES = 512;

const server = http.createServer((req, res) => {
  if (req.method !== 'POST') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  let head = '';
  req.on('data', (c: Buffer) => {
    if (head.length < HEAD_BYTES) head += c.subarray(0, HEAD_BYTES).toString('latin1');
  });
  req.on('end', () => {
    const end = head.indexOf('"', ID_PREFIX.length);
    if (!head.startsWith(ID_PREFIX) || end < 0) return void res.writeHead(400).end('{"error":"no id"}');
    const id = JSON.parse(head.slice(ID_PREFIX.length - 1, end + 1)) as string;
    const body = JSON.stringify({ id, objects: OBJECTS });
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'server-timing': 'queue;dur=0.01, inference;dur=0.02, total;dur=0.05',
      'x-served-by': 'echo',
    });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => server.close(() => process.exit(0)).closeAllConnections());
