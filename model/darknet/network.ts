/**
 * A parsed cfg resolved into a network: route/shortcut references turned
 * into absolute layer numbers and every layer's output shape worked out, so
 * that impossible wiring is reported against the cfg line before any
 * weights are read or any graph is built.
 */
import { parseCfgSections } from './cfg.js';
import { DarknetError } from './errors.js';
import { parseLayer, parseNet, type Layer, type NetOptions } from './layers.js';

export interface Shape {
  c: number;
  h: number;
  w: number;
}

/** A layer with its inputs resolved. `inputs` are absolute layer numbers; -1 is the network input. */
export type ResolvedLayer = Layer & { index: number; inputs: number[]; input: Shape; output: Shape };

export interface Network {
  source: string;
  net: NetOptions;
  layers: ResolvedLayer[];
  /** class count shared by every [yolo] layer */
  classes: number;
  /** candidate boxes the decoded output holds: Σ h·w·anchors over [yolo] layers */
  boxes: number;
}

function invalid(source: string, layer: Layer, index: number, what: string): never {
  throw new DarknetError('CFG_INVALID', `${source}:${layer.line}: layer ${index} [${layer.kind}] ${what}`, layer.line);
}

/** Darknet reference → absolute layer number: negatives count back from `index`. */
function absolute(ref: number, index: number): number {
  return ref < 0 ? index + ref : ref;
}

function outputShape(layer: Layer, index: number, inputs: Shape[], source: string): Shape {
  const input = inputs[0]!;
  const spatial = (extent: number, size: number, stride: number, pad: number, name: string) => {
    const out = Math.floor((extent + pad - size) / stride) + 1;
    if (out < 1) invalid(source, layer, index, `leaves no ${name} (input ${name} ${extent}, size ${size})`);
    return out;
  };
  switch (layer.kind) {
    case 'convolutional': {
      if (input.c % layer.groups !== 0 || layer.filters % layer.groups !== 0) {
        invalid(source, layer, index, `groups=${layer.groups} must divide both ${input.c} input channels and filters=${layer.filters}`);
      }
      const pad = 2 * layer.padding;
      return {
        c: layer.filters,
        h: spatial(input.h, layer.size, layer.stride, pad, 'height'),
        w: spatial(input.w, layer.size, layer.stride, pad, 'width'),
      };
    }
    case 'maxpool':
      return {
        c: input.c,
        h: spatial(input.h, layer.size, layer.stride, layer.padding, 'height'),
        w: spatial(input.w, layer.size, layer.stride, layer.padding, 'width'),
      };
    case 'upsample':
      return { c: input.c, h: input.h * layer.stride, w: input.w * layer.stride };
    case 'route': {
      for (const s of inputs) {
        if (s.h !== input.h || s.w !== input.w) {
          invalid(source, layer, index, `joins ${input.w}x${input.h} with ${s.w}x${s.h}; routed layers must share width and height`);
        }
        if (s.c % layer.groups !== 0) invalid(source, layer, index, `groups=${layer.groups} does not divide ${s.c} channels`);
      }
      return { c: inputs.reduce((sum, s) => sum + s.c / layer.groups, 0), h: input.h, w: input.w };
    }
    case 'shortcut': {
      const other = inputs[1]!;
      if (other.c !== input.c || other.h !== input.h || other.w !== input.w) {
        invalid(source, layer, index, `adds ${other.c}x${other.h}x${other.w} to ${input.c}x${input.h}x${input.w}; only equal shapes are supported`);
      }
      return input;
    }
    case 'yolo': {
      const expected = layer.anchors.length * (5 + layer.classes);
      if (input.c !== expected) {
        invalid(source, layer, index, `needs ${expected} input channels (${layer.anchors.length} anchors × (5 + ${layer.classes} classes)), the layer before gives ${input.c}`);
      }
      return input;
    }
  }
}

function inputRefs(layer: Layer, index: number): number[] {
  switch (layer.kind) {
    case 'route':
      return layer.layers.map((r) => absolute(r, index));
    case 'shortcut':
      return [index - 1, absolute(layer.from, index)];
    default:
      return [index - 1];
  }
}

/** Parse and resolve a cfg. Throws DarknetError naming the line of the first problem. */
export function parseNetwork(cfgText: string, source = 'cfg'): Network {
  const [netSection, ...layerSections] = parseCfgSections(cfgText, source);
  if (!netSection) throw new DarknetError('CFG_INVALID', `${source}: no sections found; expected [net] followed by layers`);
  const net = parseNet(netSection, source);
  const layers: ResolvedLayer[] = [];
  const input: Shape = { c: net.channels, h: net.height, w: net.width };
  for (const [index, section] of layerSections.entries()) {
    const layer = parseLayer(section, index, source);
    const inputs = inputRefs(layer, index);
    for (const ref of inputs) {
      const allowed = ref === -1 && layer.kind !== 'route' && layer.kind !== 'shortcut';
      if ((ref < 0 && !allowed) || ref >= index) {
        invalid(source, layer, index, `refers to layer ${ref}, which is not an earlier layer`);
      }
      if (ref >= 0 && layers[ref]!.kind === 'yolo') {
        const branch = layer.kind === 'route' || layer.kind === 'shortcut';
        invalid(source, layer, index, branch
          ? `refers to [yolo] layer ${ref}; only layers before a [yolo] can be reused`
          : `follows [yolo] layer ${ref} directly; start the next branch with [route]`);
      }
    }
    const shapes = inputs.map((ref) => (ref === -1 ? input : layers[ref]!.output));
    const output = outputShape(layer, index, shapes, source);
    layers.push({ ...layer, index, inputs, input: shapes[0]!, output });
  }
  const yolos = layers.filter((l): l is ResolvedLayer & { kind: 'yolo' } => l.kind === 'yolo');
  if (yolos.length === 0) throw new DarknetError('CFG_UNSUPPORTED', `${source}: no [yolo] layer; only YOLO detection networks can be converted`);
  const classes = yolos[0]!.classes;
  const odd = yolos.find((y) => y.classes !== classes);
  if (odd) invalid(source, odd, odd.index, `has classes=${odd.classes} but layer ${yolos[0]!.index} has classes=${classes}`);
  const boxes = yolos.reduce((sum, y) => sum + y.output.h * y.output.w * y.anchors.length, 0);
  return { source, net, layers, classes, boxes };
}
