/**
 * Stand-in replica for the local backend's tests and the balancer bench: the service's HTTP surface
 * without a model. Env: PORT, POD_NAME, FAKE_READY_AFTER_MS (readiness delay),
 * FAKE_DELAY_MS (time to answer a detection), FAKE_TERM=immediate (exit on
 * SIGTERM without draining), FAKE_START_ALLOCATE_MB (held before listening,
 * like a model load), FAKE_START_EXIT (exit with this code before listening).
 * Test-only paths: POST
 * /_test/allocate?mb=N holds N MiB, POST /_test/exit?code=N exits,
 * /_test/slow?ms=N answers after N ms.
 */
import http from 'node:http';

const port = Number(process.env.PORT);
const name = process.env.POD_NAME ?? 'fake';
const readyAt = Date.now() + Number(process.env.FAKE_READY_AFTER_MS ?? 0);
const delayMs = Number(process.env.FAKE_DELAY_MS ?? 0);
const held: Buffer[] = [];

// filled, so the pages are really committed and count against the cgroup
const fill = (mb: number) => {
  for (let i = 0; i < mb; i++) held.push(Buffer.alloc(1024 * 1024, 1));
};
fill(Number(process.env.FAKE_START_ALLOCATE_MB ?? 0));
if (process.env.FAKE_START_EXIT) process.exit(Number(process.env.FAKE_START_EXIT));

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const reply = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json', 'x-served-by': name }).end(JSON.stringify(body));
    if (url.pathname === '/healthz') return reply(200, { ok: true });
    if (url.pathname === '/readyz') return reply(Date.now() >= readyAt ? 200 : 503, { ready: Date.now() >= readyAt });
    if (url.pathname === '/api/object_detection' && req.method === 'POST') {
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { id?: string };
      setTimeout(() => reply(200, { id: body.id ?? null, objects: [] }), delayMs);
      return;
    }
    if (url.pathname === '/_test/allocate') {
      fill(Number(url.searchParams.get('mb')));
      return reply(200, { heldMb: held.length });
    }
    if (url.pathname === '/_test/slow') {
      setTimeout(() => reply(200, { slow: true }), Number(url.searchParams.get('ms')));
      return;
    }
    if (url.pathname === '/_test/exit') {
      reply(200, { exiting: true });
      setTimeout(() => process.exit(Number(url.searchParams.get('code') ?? 1)), 10);
      return;
    }
    reply(404, { error: 'not found' });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1');
// FAKE_TERM=immediate: a replica that does not drain, so only the balancer's drain can save in-flight requests
process.on('SIGTERM', () => (process.env.FAKE_TERM === 'immediate' ? process.exit(0) : server.close(() => process.exit(0))));
