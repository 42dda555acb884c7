/**
 * Building blocks for service tests: an app on an ephemeral loopback port,
 * a logger whose lines can be read back, and scripted ONNX runners that
 * stand in for a model (one finds a red square, one waits for a gate).
 */
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { FAMILIES } from '../../model/families/index.js';
import type { ModelFamily, OutputTensor } from '../../model/families/types.js';
import { createApp, type AppOptions, type ExtraTask, type Service } from '../../service/app.js';
import { createHttpServer } from '../../service/server.js';
import { squareImage, toBase64 } from './service-images.js';
import { createDetector, type DetectionSettings, type Detector } from '../../service/detector.js';
import type { OnnxRunner } from '../../service/infer.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const sharedDir = resolve(repoRoot, '../shared');
export const sharedModel = resolve(sharedDir, 'model/yolox_nano.onnx');
export const sharedSamples = resolve(sharedDir, 'samples');
/** skip reason for tests that need ../shared, or false when it is there */
export const noShared = existsSync(sharedModel) ? false : `needs ${sharedModel} (the shared model folder is absent)`;

export interface CapturedLogger {
  logger: Logger;
  lines: () => Array<Record<string, unknown>>;
}

export function captureLogger(): CapturedLogger {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ base: { replica: 'test-replica' } }, sink), lines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

export const DEFAULT_SETTINGS: DetectionSettings = {
  maxPixels: 4_000_000,
  scoreThreshold: 0.5,
  iouThreshold: 0.45,
  classWise: true,
  maxDetections: 100,
};

/** A yolov8-shaped family with two labels and a small input, so tests run fast. */
export function testFamily(width = 96, height = 64): ModelFamily {
  return FAMILIES.yolov8.create({ inputName: 'images', outputName: 'output0', width, height, labels: ['square', 'other'] });
}

/**
 * Pretends to be a model that finds the one saturated red region of its
 * input and reports its bounding box (in input pixels) as class 0 with
 * score 0.9. Everything around it (decode, letterbox, EXIF, mapping back)
 * is the real code, which is what the tests check.
 */
export function redSquareRunner(family: ModelFamily): Pick<OnnxRunner, 'run' | 'release'> {
  const { width, height } = family.input;
  return {
    async run(input, _outputName, timings) {
      return timings.time('inference', async () => {
        const plane = width * height;
        let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
        for (let i = 0; i < plane; i++) {
          const r = input.data[i]!, g = input.data[plane + i]!, b = input.data[2 * plane + i]!;
          if (r > 0.7 && g < 0.3 && b < 0.3) {
            const x = i % width, y = Math.floor(i / width);
            x1 = Math.min(x1, x); y1 = Math.min(y1, y); x2 = Math.max(x2, x + 1); y2 = Math.max(y2, y + 1);
          }
        }
        const found = x2 > x1;
        const data = new Float32Array(6);
        if (found) data.set([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1, 0.9, 0.1]);
        return { data, dims: [1, 6, 1] } satisfies OutputTensor;
      });
    },
    release: async () => {},
  };
}

export function redSquareDetector(family = testFamily(), settings: Partial<DetectionSettings> = {}): Detector {
  return createDetector(family, redSquareRunner(family), { ...DEFAULT_SETTINGS, ...settings }, { path: 'test:red-square', threads: 1 });
}

/** A detector whose inference waits until open() is called; counts the runs started. */
export function gatedDetector(family = testFamily()): { detector: Detector; open: () => void; started: () => number } {
  const inner = redSquareRunner(family);
  let opened = false;
  let started = 0;
  const waiters: Array<() => void> = [];
  const runner: Pick<OnnxRunner, 'run' | 'release'> = {
    async run(input, outputName, timings) {
      started += 1;
      if (!opened) await new Promise<void>((r) => waiters.push(r));
      return inner.run(input, outputName, timings);
    },
    release: async () => {},
  };
  return {
    detector: createDetector(family, runner, DEFAULT_SETTINGS, { path: 'test:gated', threads: 1 }),
    open: () => {
      opened = true;
      for (const w of waiters.splice(0)) w();
    },
    started: () => started,
  };
}

export interface Running {
  url: string;
  server: Server;
  service: Service;
  log: CapturedLogger;
  close: () => Promise<void>;
}

/** An app (detection when a detector is given, plus any extra tasks) on a loopback port. */
export async function startApp(detector: Detector | undefined, opts: Partial<AppOptions> = {}, tasks: ExtraTask[] = []): Promise<Running> {
  const log = captureLogger();
  const service = createApp({
    replica: 'test-replica',
    maxBodyBytes: 2 * 1024 * 1024,
    maxImagePixels: DEFAULT_SETTINGS.maxPixels,
    queueLength: 4,
    maxQueuedBytes: 64 * 1024 * 1024,
    concurrency: 1,
    logger: log.logger,
    ...opts,
  }, detector, tasks);
  const server = createHttpServer(service, 'test-replica');
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    service,
    log,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

/** Polls `cond` every 10 ms for up to 5 s: for states reached by other connections (queued, running, released). */
export async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A small valid request body with the given id (a grey image with one red square). */
export async function squareRequest(id: string): Promise<string> {
  const image = await squareImage({ width: 120, height: 90, square: { left: 10, top: 10, width: 30, height: 30 } });
  return JSON.stringify({ id, image: toBase64(image) });
}

export function postJson(url: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
}
