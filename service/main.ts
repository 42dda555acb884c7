/**
 * `npm start`: configuration → listen → load and warm up the models
 * (detection and/or pose, per TASK and POSE_MODEL_PATH) → ready;
 * SIGTERM/SIGINT → drain → exit. The only file that exits the process.
 */
import { existsSync } from 'node:fs';
import { pino } from 'pino';
import sharp from 'sharp';
import { createApp } from './app.js';
import { readCpuLimit, readMemoryLimit } from '../lib/cgroup/own-limits.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { loadDetector, warmUp } from './detector.js';
import { loadPoseModel, warmUpPose } from './pose.js';
import { poseTask } from './routes/pose.js';
import { workTask } from './routes/work.js';
import { createHttpServer } from './server.js';
import { drain } from './shutdown.js';

/** The model files this configuration will load, by the variable that names them. */
function modelFiles(config: Config): Array<[string, string]> {
  const files: Array<[string, string]> = config.TASK === 'detection' ? [['MODEL_PATH', config.MODEL_PATH]] : [];
  if (config.pose) files.push(['POSE_MODEL_PATH', config.pose.modelPath]);
  if (config.pose?.detectorPath !== undefined) files.push(['POSE_DETECTOR_PATH', config.pose.detectorPath]);
  return files;
}

function configOrExit(): Config {
  try {
    const config = loadConfig();
    const missing = modelFiles(config).filter(([, path]) => !existsSync(path));
    if (missing.length > 0) {
      const lines = missing.map(([name, path]) => `  ${name}: ${path} does not exist (run \`npm run model:install\` or set ${name})`);
      throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
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

const pose = config.pose ? poseTask() : undefined;
const work = (() => {
  try {
    return workTask(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return process.exit(2);
  }
})();
const service = createApp({
  replica: config.replica,
  maxBodyBytes: config.MAX_BODY_BYTES,
  maxImagePixels: config.MAX_IMAGE_PIXELS,
  queueLength: config.QUEUE_LENGTH,
  maxQueuedBytes: config.MAX_QUEUED_BYTES,
  queueTimeoutMs: config.QUEUE_TIMEOUT_MS,
  concurrency,
  logger,
  memoryHighWaterBytes,
  detection: config.TASK === 'detection',
}, undefined, [pose, work].filter((t) => t !== undefined));
const server = createHttpServer(service, config.replica);

let listening = false;
server.on('error', (err) => {
  if (!listening) {
    logger.fatal({ err }, `cannot listen on port ${config.PORT}`);
    exit(1);
  }
  // Once listening, an error here is a failed accept: that one connection is lost, the service goes on.
  logger.warn({ err }, 'connection not accepted');
});
server.listen(config.PORT, () => {
  listening = true;
  logger.info({ port: config.PORT, task: config.TASK, pose: config.pose !== undefined, work: work !== undefined, threads, concurrency, cpu, memoryLimit, memoryHighWaterBytes, queueLength: config.QUEUE_LENGTH, maxQueuedBytes: config.MAX_QUEUED_BYTES, queueTimeoutMs: config.QUEUE_TIMEOUT_MS }, 'listening');
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

/** What is being loaded, for the fatal log line when it fails. */
let loading = '';

async function loadModels(): Promise<void> {
  if (config.TASK === 'detection') {
    loading = `model ${config.MODEL_PATH}`;
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
    logger.info({ model: detector.info, ms: Date.now() - started }, 'detection model ready');
  }
  if (pose && config.pose) {
    loading = `pose model ${config.pose.modelPath}`;
    const started = Date.now();
    const model = await loadPoseModel({ ...config.pose, threads, maxPixels: config.MAX_IMAGE_PIXELS });
    await warmUpPose(model);
    service.metrics.setPoseModelInfo(model.info);
    pose.setPoseModel(model);
    logger.info({ pose: model.info, ms: Date.now() - started }, 'pose model ready');
  }
}

try {
  await loadModels();
  logger.info('ready');
} catch (err) {
  logger.fatal({ err }, `cannot load ${loading}`);
  exit(1);
}
