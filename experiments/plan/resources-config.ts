/**
 * The `resources` section of the study config: which replica shapes
 * (CPU × memory, optionally a GPU share) run which task × model, the
 * workload each one gets, and how configurations are priced and judged.
 * Strict like the rest of config.ts, with its defaults here.
 */
import { z } from 'zod';
import { GpuShare } from '../contracts/deployment.js';
import { Task } from '../contracts/domain.js';

/** Lower-case words joined by "-": the names end up in cell ids, trial file names and CSV rows. */
const Name = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be lower-case letters and digits joined by "-"');

export const ModelEntry = z.strictObject({
  /** the name in the results, e.g. yolox-nano */
  name: Name,
  task: Task,
  /** detection: the detector; pose: the keypoint model (path from the repository root) */
  model: z.string().min(1),
  /** pose: the person detector of the top-down pipeline */
  detector: z.string().min(1).optional(),
  /**
   * true: measured only when its files are installed (yolov3-tiny exists only when its
   * weights could be converted); otherwise its cells are skipped with that reason.
   * false: a missing file is a usage error before anything starts.
   */
  ifInstalled: z.boolean().default(false),
});
export type ModelEntry = z.infer<typeof ModelEntry>;

/** A named replica shape, as the seed names its configurations (low, memory-constrained, …). */
export const NamedConfiguration = z.strictObject({
  name: Name,
  cpu: z.number().positive(),
  memoryMi: z.number().int().positive(),
  gpu: GpuShare.optional(),
});
export type NamedConfiguration = z.infer<typeof NamedConfiguration>;

const DEFAULT_MODELS: z.input<typeof ModelEntry>[] = [
  { name: 'yolox-nano', task: 'detection', model: 'model/yolox_nano.onnx', ifInstalled: true },
  { name: 'yolov8n', task: 'detection', model: 'model/yolov8n_int8.onnx' },
  { name: 'yolov3-tiny', task: 'detection', model: 'model/yolov3-tiny.onnx', ifInstalled: true },
  { name: 'movenet', task: 'pose', model: 'model/movenet_singlepose_lightning_int8.onnx', detector: 'model/yolov8n_int8.onnx' },
];

/** The seed's GPU-shaped configurations at this service's scale; they run on a backend with GPUs only. */
const DEFAULT_CONFIGURATIONS: NamedConfiguration[] = [
  { name: 'memory-constrained', cpu: 1, memoryMi: 64 },
  { name: 'gpu-quarter', cpu: 1, memoryMi: 1024, gpu: { count: 1, coresPercent: 25, memoryMi: 6000 } },
  { name: 'gpu-half', cpu: 1, memoryMi: 1024, gpu: { count: 1, coresPercent: 50, memoryMi: 12000 } },
  { name: 'gpu-full', cpu: 2, memoryMi: 2048, gpu: { count: 1, coresPercent: 100, memoryMi: 24000 } },
  { name: 'gpu-memory-constrained', cpu: 2, memoryMi: 2048, gpu: { count: 1, coresPercent: 100, memoryMi: 2000 } },
];

const unique = (names: readonly string[]) => names.length === new Set(names).size;

export const ResourcesConfig = z
  .strictObject({
    /** every CPU level × every memory level, each named cpu<c>-mem<m>; empty lists = named configurations only */
    grid: z
      .strictObject({
        cpus: z.array(z.number().positive()).default([0.25, 0.5, 1, 2]),
        memoryMi: z.array(z.number().int().positive()).default([256, 512, 1024]),
      })
      .prefault({}),
    /** named configurations, run after the grid */
    configurations: z.array(NamedConfiguration).default(DEFAULT_CONFIGURATIONS),
    /** task × model pairs; every configuration runs each */
    models: z.array(ModelEntry).min(1).default(() => DEFAULT_MODELS.map((m) => ModelEntry.parse(m))),
    /** what one configuration is asked: concurrency 1, then `saturationConcurrency`, each after a warm-up */
    workload: z
      .strictObject({
        /** seconds of unmeasured load before each level (warms the model and the queue) */
        warmupS: z.number().nonnegative().default(2),
        /** time cap of each measured level, seconds */
        durationS: z.number().positive().default(10),
        /** request cap of each measured level: a slow configuration ends on the time cap, a fast one here */
        maxRequests: z.number().int().positive().default(300),
        /** connections of the saturation level (no think time) */
        saturationConcurrency: z.number().int().min(2).default(4),
      })
      .prefault({}),
    /** the objective for "cheapest configuration that meets it": p95 latency of one request alone (concurrency 1) */
    objective: z.strictObject({ p95Ms: z.number().positive().default(1000) }).prefault({}),
    /** prices for the cost of a configuration, per replica-hour (defaults: a public cloud's on-demand list price, order of magnitude) */
    costs: z
      .strictObject({
        perCpuHour: z.number().nonnegative().default(0.04),
        perGiBHour: z.number().nonnegative().default(0.005),
        perGpuHour: z.number().nonnegative().default(0.9),
      })
      .prefault({}),
  })
  .refine((r) => unique(r.models.map((m) => m.name)), { message: 'model names must be unique', path: ['models'] })
  .refine((r) => unique(r.configurations.map((c) => c.name)), { message: 'configuration names must be unique', path: ['configurations'] })
  .refine((r) => r.configurations.length > 0 || (r.grid.cpus.length > 0 && r.grid.memoryMi.length > 0), {
    message: 'nothing to measure: give grid.cpus and grid.memoryMi, or configurations',
    path: ['grid'],
  })
  .refine((r) => r.models.every((m) => (m.task === 'pose') === (m.detector !== undefined)), {
    message: 'a pose model needs its person detector ("detector"); a detection model has none',
    path: ['models'],
  });
export type ResourcesConfig = z.infer<typeof ResourcesConfig>;
