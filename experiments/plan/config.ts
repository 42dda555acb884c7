/**
 * The study configuration: one strict zod schema with every default in one
 * place; an unknown key is an error that names it (config-issues.ts adds
 * "did you mean"). `study` picks the study (experiments/studies).
 * A file may hold named `profiles` (e.g. `quick`) that are deep-merged over
 * the base before validation, so a profile has the same structure, only
 * fewer or shorter trials. A `byTask.<task>` block (at the top or inside a
 * profile) is merged right after the part it sits in, so a slow task can
 * have its own holds and starting point. Every bad field is reported at once.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { BalancerPolicy } from '../contracts/deployment.js';
import { Location, Task } from '../contracts/domain.js';
import { formatIssues } from './config-issues.js';
import { BindingConfig } from './binding-config.js';
import { ResourcesConfig } from './resources-config.js';

/** The studies a config can ask for (experiments/studies has one description each). */
export const STUDY_NAMES = ['replicas', 'resources', 'binding'] as const;
export const StudyName = z.enum(STUDY_NAMES);
export type StudyName = z.infer<typeof StudyName>;

const positiveInt = z.number().int().positive();

export const StudyConfig = z
  .strictObject({
    /** which study: `replicas` (the assignment's max users per replica count and client location), `resources` (throughput per CPU × memory × model), `binding` (job completion time by balancer policy under open load) */
    study: StudyName.default('replicas'),
    task: Task.default('detection'),
    /** replica counts, measured in ascending order so scaling reuses replicas */
    replicas: z.array(positiveInt).min(1).default([1, 2, 4, 8]),
    locations: z.array(Location).min(1).default(['cluster', 'remote']),
    trials: z
      .strictObject({
        /** trials per cell */
        min: positiveInt.default(3),
        /** adaptive cap: past `min`, trials are added while the 95 % CI half-width of the answer exceeds ciHalfWidth × mean */
        max: positiveInt.default(6),
        ciHalfWidth: z.number().positive().default(0.1),
        /** an invalid trial (load generator saturated, unconfirmed answer) is retried this many times */
        invalidRetries: z.number().int().nonnegative().default(2),
      })
      .prefault({}),
    replica: z
      .strictObject({
        cpu: z.number().positive().default(0.5),
        memoryMi: z.number().positive().default(512),
        /** the replicas' QUEUE_LENGTH (the service's default): the capacity model's admission bound is threads + this */
        queueLength: z.number().int().nonnegative().default(16),
      })
      .prefault({}),
    loadGenerator: z
      .strictObject({
        /** CPU the load generator is planned to use, cores */
        cpu: z.number().positive().default(1),
        /** a trial whose generator used more than this share of `cpu` was generator-bound: invalid */
        bottleneckShare: z.number().positive().max(1).default(0.9),
      })
      .prefault({}),
    /** cores available to replicas + generator; null = this machine's */
    hostCores: z.number().positive().nullable().default(null),
    images: z.string().min(1).default('inputfolder'),
    /** detection model the replicas serve (task detection) */
    model: z.string().min(1).default('model/default.onnx'),
    /** models of a pose replica (task pose): top-down MoveNet on the crops of a YOLOv8 person detector */
    pose: z
      .strictObject({
        model: z.string().min(1).default('model/movenet_singlepose_lightning_int8.onnx'),
        detector: z.string().min(1).default('model/yolov8n_int8.onnx'),
      })
      .prefault({}),
    /** header of the report (reports/ reads it from plan.json config.report) */
    report: z
      .strictObject({ name: z.string().optional(), studentId: z.string().optional(), supervisor: z.string().optional(), title: z.string().optional() })
      .prefault({}),
    /** a user sends, waits for the answer, then thinks between(min, max) s; [0, 0] saturates */
    thinkS: z
      .tuple([z.number().nonnegative(), z.number().nonnegative()])
      .default([1, 3])
      .refine(([a, b]) => a <= b, 'min think time must not exceed max'),
    failure: z
      .strictObject({
        /** a request slower than this fails */
        timeoutMs: z.number().positive().default(10_000),
        /**
         * the latency objective of the second answer, "max users within the objective" (p95 at or below it);
         * the headline answer (the assignment's) never uses it
         */
        p95ObjectiveMs: z.number().positive().default(2000),
      })
      .prefault({}),
    strategy: z.enum(['search', 'ramp']).default('search'),
    search: z
      .strictObject({
        startUsers: positiveInt.default(1),
        upperBound: positiveInt.default(2000),
        /** 0 = exact to one user */
        resolution: z.number().nonnegative().max(0.5).default(0),
        confirmRetries: positiveInt.default(3),
        holdS: z.number().positive().default(10),
        maxHoldS: z.number().positive().default(30),
        minRequests: z.number().int().nonnegative().default(100),
        windowS: z.number().positive().default(2),
        stableTolerance: z.number().positive().default(0.1),
        /** a held level's mean latency may rise by this share across its steady part (or within its noise) */
        trendTolerance: z.number().positive().default(0.2),
      })
      .prefault({})
      .refine((s) => s.maxHoldS >= s.holdS, { message: 'maxHoldS must be ≥ holdS', path: ['maxHoldS'] }),
    /** each cell's saturation phase (autocannon, no think time): X_max and latency against concurrency for the capacity model */
    saturation: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** connections per level; empty = 1, 2 and 4 per replica */
        concurrencies: z.array(positiveInt).default([]),
        durationS: z.number().positive().default(5),
        warmupS: z.number().nonnegative().default(2),
        /** a level also ends after this many answers */
        maxRequests: positiveInt.default(2000),
      })
      .prefault({}),
    ramp: z.strictObject({ stepS: z.number().positive().default(1) }).prefault({}),
    balancer: BalancerPolicy.default('round-robin'),
    /** the binding study (experiments/studies/binding.ts); other studies ignore it */
    binding: BindingConfig,
    wan: z
      .strictObject({
        rttMs: z.number().nonnegative().default(40),
        jitterMs: z.number().nonnegative().default(5),
        bandwidthMbit: z.number().positive().default(100),
      })
      .prefault({}),
    /** how long a deployment may take to become ready, seconds (local backend: each replica's /readyz); one that does not fails its deploy */
    readyTimeoutS: z.number().positive().default(180),
    /** the `resources` study's axes, workload, objective and prices (experiments/plan/resources-config.ts) */
    resources: ResourcesConfig.prefault({}),
  })
  .refine((c) => c.trials.max >= c.trials.min, { message: 'trials.max must be ≥ trials.min', path: ['trials', 'max'] });
export type StudyConfig = z.infer<typeof StudyConfig>;

const Overrides = z.record(z.string(), z.unknown());
const ByTask = z.partialRecord(Task, Overrides).optional();
/** The file's own structure around the config: named profiles and per-task blocks; the rest is checked by StudyConfig. */
const ConfigFile = z.looseObject({ profiles: z.record(z.string(), Overrides).optional(), byTask: ByTask });

export class ConfigError extends Error {
  override name = 'ConfigError';
  /**
   * @param merged the config as merged before validation failed, so the caller can still check
   * the files it names (models, images) and report every problem at once
   */
  constructor(message: string, readonly merged: Record<string, unknown> = {}) {
    super(message);
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Objects merge key by key; arrays and scalars of `over` replace. */
export function mergeDeep(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObject(v) && isObject(out[k]) ? mergeDeep(out[k] as Json, v) : v;
  return out;
}


/**
 * Validate a parsed config object, merging in order: base, the base's
 * `byTask` block of the task, `profile` from `profiles`, the profile's own
 * `byTask` block. `task` wins over the file's "task".
 */
export function resolveConfig(raw: unknown, source: string, profile?: string, task?: Task): StudyConfig {
  const file = ConfigFile.safeParse(raw);
  if (!file.success) throw new ConfigError(formatIssues(source, file.error.issues));
  const { profiles, byTask, ...base } = file.data;
  const chosen: Task = task ?? (base.task === 'pose' ? 'pose' : 'detection');
  let merged: Json = mergeDeep(base, byTask?.[chosen] ?? {});
  if (profile) {
    const over = profiles?.[profile];
    if (!over) throw new ConfigError(`${source}: no profile "${profile}" (has: ${Object.keys(profiles ?? {}).join(', ') || 'none'})`);
    const parsedOver = ConfigFile.safeParse(over);
    if (!parsedOver.success) throw new ConfigError(formatIssues(`${source} (profile ${profile})`, parsedOver.error.issues));
    const { byTask: overByTask, ...rest } = parsedOver.data;
    merged = mergeDeep(mergeDeep(merged, rest), overByTask?.[chosen] ?? {});
  }
  if (task) merged.task = task;
  const result = StudyConfig.safeParse(merged);
  if (!result.success) throw new ConfigError(formatIssues(profile ? `${source} (profile ${profile})` : source, result.error.issues, StudyConfig), merged);
  return result.data;
}

export async function loadConfig(path: string, profile?: string, task?: Task): Promise<StudyConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`config ${path}: ${(err as Error).message}`);
  }
  return resolveConfig(raw, `config ${path}`, profile, task);
}
