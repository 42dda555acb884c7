/**
 * The HTTP side of scripts/test-image.sh's checks, one subcommand each. Each
 * prints its details on stderr and one summary line on stdout, and exits 0
 * (pass), 1 (fail) or 2 (usage).
 *
 *   photo <url> <reference-url> <photo> [label]   200, the answer contract, boxes inside the photo,
 *                                                  the label found, the same objects as the reference,
 *                                                  and a labelled copy from /api/object_detection_image
 *   bad-inputs <url> <reference-url> <photo>       each bad-input class answered as the reference does
 *   drain <url> <photo> <n> -- <command...>        n requests, each body half sent and so held in flight; the
 *                                                  command (SIGTERM); once the service drains, the rest of
 *                                                  each body: every one must get its answer
 *   loadgen-result <file> <levels>                 the load worker's stdout is a result the backends accept
 *
 * The reference is the service started with `npm start` from the same tree.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { parseLoadJobResult } from '../../experiments/load/protocol/schema.js';
import { checkResponse } from '../../experiments/load/check-response.js';
import { badInputs, sameAnswer, showAnswer } from './bad-inputs.js';

interface Detected {
  label: string;
  accuracy: number;
  rectangle: { left: number; top: number; width: number; height: number };
}

class CheckFailed extends Error {}

const detail = (line: string): void => void process.stderr.write(`  ${line}\n`);

async function detect(url: string, photo: Buffer, id: string): Promise<{ status: number; objects: Detected[] }> {
  const res = await fetch(`${url}/api/object_detection`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, image: photo.toString('base64') }) });
  const text = await res.text();
  const bad = checkResponse('detection', res.status, text, id);
  if (bad) throw new CheckFailed(`${url}: ${res.status}, ${bad}: ${text.slice(0, 200)}`);
  return { status: res.status, objects: (JSON.parse(text) as { objects: Detected[] }).objects };
}

const byPosition = (a: Detected, b: Detected): number => a.label.localeCompare(b.label) || a.rectangle.left - b.rectangle.left || a.rectangle.top - b.rectangle.top;
const showObject = (o: Detected): string => `${o.label} ${o.accuracy.toFixed(2)} [${o.rectangle.left},${o.rectangle.top} ${o.rectangle.width}×${o.rectangle.height}]`;

/** The labelled copy: the route that needs the image's font and librsvg. */
async function drawnImage(url: string, photo: Buffer): Promise<string> {
  const res = await fetch(`${url}/api/object_detection_image`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'drawn', image: photo.toString('base64') }) });
  const text = await res.text();
  if (res.status !== 200) throw new CheckFailed(`/api/object_detection_image: ${res.status} ${text.slice(0, 200)}`);
  const meta = await sharp(Buffer.from((JSON.parse(text) as { image: string }).image, 'base64')).metadata();
  return `${meta.format} ${meta.width}×${meta.height}`;
}

async function photoCheck(url: string, reference: string, photoPath: string, label?: string): Promise<string> {
  const photo = readFileSync(photoPath);
  const meta = await sharp(photo).metadata();
  const [width, height] = (meta.orientation ?? 1) >= 5 ? [meta.height, meta.width] : [meta.width, meta.height];
  const [got, want] = await Promise.all([detect(url, photo, 'photo-image'), detect(reference, photo, 'photo-reference')]);
  const objects = [...got.objects].sort(byPosition);
  const expected = [...want.objects].sort(byPosition);
  objects.forEach((o) => detail(`image:     ${showObject(o)}`));
  expected.forEach((o) => detail(`npm start: ${showObject(o)}`));
  if (objects.length === 0) throw new CheckFailed('no objects found');
  for (const { label: l, rectangle: r } of objects) {
    if (r.width <= 0 || r.height <= 0 || r.left < 0 || r.top < 0 || r.left + r.width > width || r.top + r.height > height) throw new CheckFailed(`${l} box outside the ${width}×${height} photo`);
  }
  if (label && !objects.some((o) => o.label === label)) throw new CheckFailed(`no "${label}" among ${objects.map((o) => o.label).join(', ')}`);
  const same = objects.length === expected.length && objects.every((o, i) => {
    const e = expected[i]!;
    const near = (a: number, b: number) => Math.abs(a - b) <= 2;
    return o.label === e.label && near(o.rectangle.left, e.rectangle.left) && near(o.rectangle.top, e.rectangle.top) && near(o.rectangle.width, e.rectangle.width) && near(o.rectangle.height, e.rectangle.height);
  });
  if (!same) throw new CheckFailed('objects differ from npm start\'s (see above)');
  const drawn = await drawnImage(url, photo);
  return `200, ${objects.map((o) => o.label).join(', ')} in the ${width}×${height} photo, as npm start finds; /api/object_detection_image drew a ${drawn}`;
}

async function badInputCheck(url: string, reference: string, photoPath: string): Promise<string> {
  const cases = badInputs(readFileSync(photoPath));
  const differ: string[] = [];
  for (const c of cases) {
    const [got, want] = [await c.send(url), await c.send(reference)];
    const ok = sameAnswer(got, want) && got.code === c.expect;
    detail(`${ok ? 'same' : 'DIFF'}  ${c.what}: image ${showAnswer(got)}, npm start ${showAnswer(want)}`);
    if (!ok) differ.push(c.what);
  }
  if (differ.length > 0) throw new CheckFailed(`${differ.length} of ${cases.length} classes answered differently or not as documented: ${differ.join('; ')}`);
  return `${cases.length} classes, each the same status and code as npm start`;
}

async function inFlight(url: string): Promise<number> {
  const text = await fetch(`${url}/metrics`).then((r) => r.text());
  return Number(/^http_requests_in_flight (\d+)/m.exec(text)?.[1] ?? 0);
}

/** A detection request whose body stops halfway until `finish()`: in flight for as long as the caller wants. */
function halfSent(url: string, photo: Buffer, id: string): { finish: () => void; ok: Promise<boolean> } {
  const body = Buffer.from(JSON.stringify({ id, image: photo.toString('base64') }));
  const half = Math.floor(body.length / 2);
  const req = request(new URL('/api/object_detection', url), { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': body.length } });
  const ok = new Promise<boolean>((resolve) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => {
        const bad = checkResponse('detection', res.statusCode ?? 0, text, id);
        if (bad) detail(`${id}: ${res.statusCode}, ${bad}: ${text.slice(0, 200)}`);
        resolve(!bad);
      });
    });
    req.on('error', (err) => (detail(`${id}: ${err.message}`), resolve(false)));
  });
  req.write(body.subarray(0, half));
  return { finish: () => req.end(body.subarray(half)), ok };
}

async function drainCheck(url: string, photoPath: string, n: number, command: string[]): Promise<string> {
  const photo = readFileSync(photoPath);
  const requests = Array.from({ length: n }, (_, i) => halfSent(url, photo, `drain-${i}`));
  // Each is admitted and waits for the rest of its body, so all n stay in flight, whatever the timing.
  const wait = async (what: string, done: () => Promise<boolean>): Promise<void> => {
    for (const deadline = Date.now() + 20_000; !(await done()); await new Promise((r) => setTimeout(r, 20))) {
      if (Date.now() > deadline) throw new CheckFailed(`after 20 s, still not ${what}`);
    }
  };
  await wait(`${n} requests in flight`, async () => (await inFlight(url)) >= n);
  detail(`${n} requests in flight, each halfway through its body: ${command.join(' ')}`);
  await promisify(execFile)(command[0]!, command.slice(1));
  // Draining: /readyz turns 503, or the closed listener refuses the connection.
  await wait('draining (/readyz still 200)', async () => (await fetch(`${url}/readyz`).then((r) => r.status, () => 0)) !== 200);
  for (const r of requests) r.finish();
  const ok = (await Promise.all(requests.map((r) => r.ok))).filter(Boolean).length;
  if (ok < n) throw new CheckFailed(`${n - ok} of ${n} requests in flight at SIGTERM got no valid answer`);
  return `${n} of ${n} requests in flight at SIGTERM (bodies still arriving) answered 200`;
}

function loadgenCheck(file: string, levels: number): string {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim());
  if (lines.length !== 1) throw new CheckFailed(`expected one JSON line on stdout, got ${lines.length}`);
  const result = parseLoadJobResult(JSON.parse(lines[0]!), 'the loadgen image');
  if (result.kind !== 'closed') throw new CheckFailed(`a closed-loop job got a ${result.kind} result`);
  if (result.aborted) throw new CheckFailed('the job says it was aborted');
  if (result.steps.length !== levels) throw new CheckFailed(`${result.steps.length} steps for ${levels} levels`);
  for (const s of result.steps) {
    detail(`${s.users} users: ${s.requests} requests, ${s.successes} ok, ${s.qps.avg.toFixed(1)} req/s, p95 ${s.latencyMs.p95.toFixed(0)} ms, by ${Object.keys(s.perReplica).join(', ')}`);
    if (s.successes === 0 || s.successes !== s.requests) throw new CheckFailed(`${s.users} users: ${s.successes} of ${s.requests} requests succeeded (${JSON.stringify(s.errors)})`);
  }
  return `${result.steps.map((s) => `${s.users} users ${s.qps.avg.toFixed(1)} req/s`).join(', ')}, no errors, load generator CPU ${result.loadGenCpu.toFixed(2)}`;
}

async function main(argv: string[]): Promise<string> {
  const [cmd, ...args] = argv;
  if (cmd === 'photo' && args.length >= 3 && args.length <= 4) return photoCheck(args[0]!, args[1]!, args[2]!, args[3]);
  if (cmd === 'bad-inputs' && args.length === 3) return badInputCheck(args[0]!, args[1]!, args[2]!);
  if (cmd === 'drain' && args.length >= 5 && args[3] === '--' && Number(args[2]) > 0) return drainCheck(args[0]!, args[1]!, Number(args[2]), args.slice(4));
  if (cmd === 'loadgen-result' && args.length === 2 && Number(args[1]) > 0) return loadgenCheck(args[0]!, Number(args[1]));
  process.stderr.write('usage: image-checks.ts photo|bad-inputs|drain|loadgen-result ... (see the file header)\n');
  process.exit(2);
}

main(process.argv.slice(2)).then(
  (summary) => console.log(summary),
  (err: Error) => {
    console.log(err instanceof CheckFailed ? err.message : `error: ${err.message}`);
    process.exitCode = 1;
  },
);
