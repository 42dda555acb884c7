import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { bodyHead, bodyTail, bodyTails } from '../../experiments/load/bodies.js';
import { sendOne } from '../../experiments/load/send.js';

const image = Buffer.from('aGVsbG8gd29ybGQ=');

test('head + tail is the JSON body {id, image}', () => {
  const body = Buffer.concat([bodyHead('req-1'), bodyTail(image)]);
  assert.deepEqual(JSON.parse(body.toString()), { id: 'req-1', image: image.toString() });
});

test('ids that need JSON escaping still give valid JSON with the same id', () => {
  for (const id of ['a"b', 'back\\slash', 'line\nbreak', 'tab\t', '\u0001ctl', 'ünïcødé ✓', '"}']) {
    const body = Buffer.concat([bodyHead(id), bodyTail(image)]).toString();
    assert.deepEqual(JSON.parse(body), { id, image: image.toString() }, JSON.stringify(id));
  }
});

test('tails are built once per image set', () => {
  const images = [image, Buffer.from('eA==')];
  assert.equal(bodyTails(images), bodyTails(images));
  assert.equal(bodyTails(images)[1]!.toString(), '","image":"eA=="}');
});

test('sendOne sends the spliced body with the right content-length and a fresh id each time', async () => {
  const seen: { length: number; body: { id: string; image: string } }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      assert.equal(Number(req.headers['content-length']), raw.length);
      const body = JSON.parse(raw.toString()) as { id: string; image: string };
      seen.push({ length: raw.length, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: body.id, objects: [] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const agent = new http.Agent({ keepAlive: true });
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const big = Buffer.from(Buffer.alloc(200_000, 7).toString('base64'));
  const tail = bodyTail(big);
  const signal = new AbortController().signal;
  const outcomes = [await sendOne({ task: 'detection', url, agent, timeoutMs: 5000 }, tail, signal), await sendOne({ task: 'detection', url, agent, timeoutMs: 5000 }, tail, signal)];
  agent.destroy();
  server.close();
  for (const [i, o] of outcomes.entries()) {
    assert.equal(o?.error, undefined);
    assert.equal(o?.bytes, seen[i]!.length);
    assert.equal(seen[i]!.body.image, big.toString());
  }
  assert.notEqual(seen[0]!.body.id, seen[1]!.body.id);
});
