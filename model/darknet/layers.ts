/**
 * One cfg section → one typed layer, validated with zod. Every option a
 * layer type understands is listed in its schema; options that only matter
 * for training are accepted and dropped; anything else is an error naming
 * the option and its line, because an ignored inference option would give a
 * silently wrong model.
 */
import { z } from 'zod';
import type { CfgSection } from './cfg.js';
import { DarknetError } from './errors.js';

export type Activation = 'leaky' | 'linear' | 'relu' | 'logistic' | 'mish' | 'swish';

export interface NetOptions {
  width: number;
  height: number;
  channels: number;
}

export interface ConvolutionalLayer {
  kind: 'convolutional';
  line: number;
  batchNormalize: boolean;
  filters: number;
  size: number;
  stride: number;
  /** zero padding on every side, already resolved from `pad`/`padding` */
  padding: number;
  groups: number;
  activation: Activation;
}

export interface MaxpoolLayer {
  kind: 'maxpool';
  line: number;
  size: number;
  stride: number;
  /** Darknet's total padding per axis: `padding/2` before, the rest after */
  padding: number;
}

export interface RouteLayer {
  kind: 'route';
  line: number;
  /** layer references as written: negative is relative, otherwise absolute */
  layers: number[];
  groups: number;
  groupId: number;
}

export interface UpsampleLayer {
  kind: 'upsample';
  line: number;
  stride: number;
}

export interface ShortcutLayer {
  kind: 'shortcut';
  line: number;
  from: number;
  activation: Activation;
}

export interface YoloLayer {
  kind: 'yolo';
  line: number;
  classes: number;
  /** anchor sizes in input pixels, already selected through `mask` */
  anchors: Array<[number, number]>;
  scaleXY: number;
}

export type Layer = ConvolutionalLayer | MaxpoolLayer | RouteLayer | UpsampleLayer | ShortcutLayer | YoloLayer;

const int = (min: number) =>
  z
    .string()
    .regex(/^[+-]?\d+$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`));
const num = z
  .string()
  .refine((s) => s !== '' && Number.isFinite(Number(s)), 'must be a number')
  .transform(Number);
const list = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .string()
    .transform((s) => s.split(',').map((t) => t.trim()).filter((t) => t !== ''))
    .pipe(z.array(item).min(1, 'must list at least one value'));
const flag = z.enum(['0', '1'], 'must be 0 or 1').transform((s) => s === '1');
const activation = z.enum(['leaky', 'linear', 'relu', 'logistic', 'mish', 'swish'], {
  error: (issue) => `activation ${String(issue.input)} is not supported (supported: leaky, linear, relu, logistic, mish, swish)`,
});
/** Options Darknet reads only while training; they do not change inference. */
const trainingOnly = (keys: string[]) => Object.fromEntries(keys.map((k) => [k, z.string().optional()]));

const netSchema = z
  .object({ width: int(1), height: int(1), channels: int(1).default(3) })
  // [net] mixes the input size with dozens of training settings; only the size matters here.
  .loose();

const schemas = {
  convolutional: z.strictObject({
    batch_normalize: flag.default(false),
    filters: int(1).default(1),
    size: int(1).default(1),
    stride: int(1).default(1),
    pad: flag.default(false),
    padding: int(0).default(0),
    groups: int(1).default(1),
    // Darknet's default activation for a convolution is logistic, not linear.
    activation: activation.default('logistic'),
    dilation: z.literal('1', 'only dilation=1 is supported').optional(),
  }),
  maxpool: z.strictObject({
    size: int(1).optional(),
    stride: int(1).default(1),
    padding: int(0).optional(),
  }),
  route: z.strictObject({
    layers: list(int(-Infinity)),
    groups: int(1).default(1),
    group_id: int(0).default(0),
  }),
  upsample: z.strictObject({
    stride: int(1).default(2),
    scale: z.literal(['1', '1.0'], 'only scale=1 is supported').optional(),
  }),
  shortcut: z.strictObject({
    from: int(-Infinity),
    activation: activation.default('linear'),
    weights_type: z.literal('none', 'only weights_type=none is supported').optional(),
  }),
  yolo: z.strictObject({
    mask: list(int(0)).optional(),
    anchors: list(num),
    classes: int(1).default(20),
    num: int(1).default(1),
    scale_x_y: num.default(1),
    new_coords: z.literal('0', 'only new_coords=0 is supported').optional(),
    ...trainingOnly([
      'jitter', 'ignore_thresh', 'truth_thresh', 'iou_thresh', 'random', 'resize', 'iou_normalizer',
      'cls_normalizer', 'obj_normalizer', 'iou_loss', 'nms_kind', 'beta_nms', 'max_delta',
      'counters_per_class', 'label_smooth_eps', 'objectness_smooth', 'focal_loss', 'max',
    ]),
  }),
} as const;

/** Options whose other values are valid Darknet that this converter does not implement. */
const PARTLY_SUPPORTED = new Set(['activation', 'dilation', 'scale', 'weights_type', 'new_coords']);

type Where = { source: string; section: CfgSection; index: number };

function fail(code: 'CFG_INVALID' | 'CFG_UNSUPPORTED', where: Where, line: number, what: string): never {
  const { source, section, index } = where;
  const layer = index < 0 ? `[${section.type}]` : `layer ${index} [${section.type}]`;
  throw new DarknetError(code, `${source}:${line}: ${layer} ${what}`, line);
}

function parseOptions<T extends z.ZodType>(schema: T, where: Where): z.output<T> {
  const raw = Object.fromEntries([...where.section.options].map(([k, v]) => [k, v.value]));
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const line = where.section.options.get(key)?.line ?? where.section.line;
    fail('CFG_UNSUPPORTED', where, line, `option ${key} is not supported`);
  }
  const key = String(issue.path[0] ?? '');
  const option = where.section.options.get(key);
  const unsupported = PARTLY_SUPPORTED.has(key);
  const detail = option ? `${key}=${option.value}: ${issue.message}` : `${key} is required`;
  fail(unsupported ? 'CFG_UNSUPPORTED' : 'CFG_INVALID', where, option?.line ?? where.section.line, detail);
}

/** Read the [net] section: input size and channels. */
export function parseNet(section: CfgSection, source: string): NetOptions {
  const where = { source, section, index: -1 };
  if (section.type !== 'net' && section.type !== 'network') {
    fail('CFG_INVALID', where, section.line, 'must come after a [net] section, which has to be first');
  }
  return parseOptions(netSchema, where);
}

/** Read one layer section; `index` is its Darknet layer number (0 = first after [net]). */
export function parseLayer(section: CfgSection, index: number, source: string): Layer {
  const where = { source, section, index };
  const line = section.line;
  switch (section.type) {
    case 'convolutional':
    case 'conv': {
      const o = parseOptions(schemas.convolutional, where);
      return {
        kind: 'convolutional',
        line,
        batchNormalize: o.batch_normalize,
        filters: o.filters,
        size: o.size,
        stride: o.stride,
        padding: o.pad ? Math.floor(o.size / 2) : o.padding,
        groups: o.groups,
        activation: o.activation,
      };
    }
    case 'maxpool':
    case 'max': {
      const o = parseOptions(schemas.maxpool, where);
      const size = o.size ?? o.stride;
      return { kind: 'maxpool', line, size, stride: o.stride, padding: o.padding ?? size - 1 };
    }
    case 'route': {
      const o = parseOptions(schemas.route, where);
      if (o.group_id >= o.groups) fail('CFG_INVALID', where, line, `group_id=${o.group_id} must be below groups=${o.groups}`);
      return { kind: 'route', line, layers: o.layers, groups: o.groups, groupId: o.group_id };
    }
    case 'upsample': {
      const o = parseOptions(schemas.upsample, where);
      return { kind: 'upsample', line, stride: o.stride };
    }
    case 'shortcut': {
      const o = parseOptions(schemas.shortcut, where);
      return { kind: 'shortcut', line, from: o.from, activation: o.activation };
    }
    case 'yolo': {
      const o = parseOptions(schemas.yolo, where);
      if (o.anchors.length % 2 !== 0) fail('CFG_INVALID', where, line, `anchors has ${o.anchors.length} values, expected pairs`);
      const pairs = o.anchors.length / 2;
      const mask = o.mask ?? Array.from({ length: o.num }, (_, i) => i);
      const bad = mask.find((m) => m >= pairs);
      if (bad !== undefined) fail('CFG_INVALID', where, line, `mask ${bad} has no anchor (anchors lists ${pairs} pairs)`);
      const anchors = mask.map((m): [number, number] => [o.anchors[2 * m]!, o.anchors[2 * m + 1]!]);
      return { kind: 'yolo', line, classes: o.classes, anchors, scaleXY: o.scale_x_y };
    }
    default:
      return fail('CFG_UNSUPPORTED', where, line, 'is not a supported layer type (supported: convolutional, maxpool, route, upsample, shortcut, yolo)');
  }
}
