/**
 * `npm start`: configuration → listen → load and warm up the model → ready;
 * SIGTERM/SIGINT → drain → exit. The only file that exits the process.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { pino } from 'pino';
import sharp from 'sharp';
import { createApp } from './app.js';
import { readCpuLimit } from './cgroup-cpu.js';
import { readMemoryLimit } from './cgroup-memory.js';
import { answerClientErrors } from './client-errors.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { loadDetector, warmUp } from './detector.js';
import { drain } from './shutdown.js';

function configOrExit(): Config {
  try {
    const config = loadConfig();
    if (!existsSync(config.MODEL_PATH)) {
      throw new ConfigError(`invalid configuration:\n  MODEL_PATH: ${config.MODEL_PATH} does not exist (run \`npm run model:install\` or set MODEL_PATH)`);
    }
    return config;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
}

const config = configOrExit();
const destination = pino.destination({ dest: 1, sync: false });
const logger = pino({ level: config.LOG_LEVEL, base: { replica: config.replica } }, destination);
const exit = (code: number): never => {
  destination.flushSync();
  process.exit(code);
};

const cpu = await readCpuLimit();
const threads = config.WORKER_THREADS > 0 ? config.WORKER_THREADS : cpu.threads;
const concurrency = config.CONCURRENCY > 0 ? config.CONCURRENCY : threads;
const memoryLimit = await readMemoryLimit();
const memoryHighWaterBytes = config.MEMORY_HIGH_WATER_MB > 0
  ? config.MEMORY_HIGH_WATER_MB * 1024 * 1024
  : memoryLimit === null ? undefined : Math.floor(memoryLimit * 0.8);
// libvips would otherwise start one thread per host core per image and cache decoded pixels.
sharp.concurrency(threads);
sharp.cache(false);

const service = createApp({
  replica: config.replica,
  maxBodyBytes: config.MAX_BODY_BYTES,
  maxImagePixels: config.MAX_IMAGE_PIXELS,
  queueLength: config.QUEUE_LENGTH,
  maxQueuedBytes: config.MAX_QUEUED_BYTES,
  concurrency,
  logger,
  memoryHighWaterBytes,
});
const server = createServer(service.app);
answerClientErrors(server, config.replica);
// A client trickling its body would otherwise hold an admission slot for the default 5 minutes.
server.requestTimeout = 60_000;
server.headersTimeout = 20_000;
server.keepAliveTimeout = 65_000;

server.on('error', (err) => {
  logger.fatal({ err }, `cannot listen on port ${config.PORT}`);
  exit(1);
});
server.listen(config.PORT, () => {
  logger.info({ port: config.PORT, threads, concurrency, cpu, memoryLimit, memoryHighWaterBytes, queueLength: config.QUEUE_LENGTH }, 'listening');
});

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceMs: config.SHUTDOWN_GRACE_MS, inFlight: service.admission.admitted }, 'draining');
    void drain(server, config.SHUTDOWN_GRACE_MS, () => service.startDraining()).then((result) => {
      logger.info(result, result.clean ? 'stopped' : 'grace period over, connections closed');
      exit(result.clean ? 0 : 1);
    });
  });
}
process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));

try {
  const started = Date.now();
  const detector = await loadDetector({
    modelPath: config.MODEL_PATH,
    threads,
    maxPixels: config.MAX_IMAGE_PIXELS,
    scoreThreshold: config.SCORE_THRESHOLD,
    iouThreshold: config.IOU_THRESHOLD,
    classWise: config.CLASS_WISE_NMS,
    maxDetections: config.MAX_DETECTIONS,
  });
  await warmUp(detector);
  service.setDetector(detector);
  logger.info({ model: detector.info, ms: Date.now() - started }, 'ready');
} catch (err) {
  logger.fatal({ err }, `cannot load model ${config.MODEL_PATH}`);
  exit(1);
}
