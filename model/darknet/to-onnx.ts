/**
 * A resolved Darknet network plus its weights → an ONNX graph (pure).
 * Layers map one-to-one onto ONNX operators; batch normalisation is folded
 * into the convolution with Darknet's own formula, so the model is as exact
 * as the source and carries no extra tensors.
 */
import { OnnxGraphBuilder } from '../onnx/graph.js';
import type { Activation } from './layers.js';
import type { Network, ResolvedLayer } from './network.js';
import type { ConvWeights } from './weights.js';
import { addYoloHead } from './yolo-head.js';

export const INPUT_NAME = 'images';
export const OUTPUT_NAME = 'detections';

/** Darknet's leaky activation slope (activations.h: leaky_activate). */
const LEAKY_SLOPE = 0.1;
/** Darknet divides by sqrt(variance) + this, not sqrt(variance + eps). */
const BN_EPSILON = 0.000001;

/**
 * Fold batch norm into the kernel and bias:
 *   y = scale·(conv(x) − mean)/(sqrt(var) + ε) + beta  →  conv'(x) + bias'
 */
function foldBatchNorm(weights: ConvWeights, filters: number): { kernel: Float32Array; bias: Float32Array } {
  const bn = weights.batchNorm;
  if (!bn) return { kernel: weights.kernel, bias: weights.biases };
  const kernel = new Float32Array(weights.kernel.length);
  const bias = new Float32Array(filters);
  const perFilter = weights.kernel.length / filters;
  for (let f = 0; f < filters; f += 1) {
    const factor = bn.scales[f]! / (Math.sqrt(bn.variances[f]!) + BN_EPSILON);
    bias[f] = weights.biases[f]! - bn.means[f]! * factor;
    const base = f * perFilter;
    for (let i = base; i < base + perFilter; i += 1) kernel[i] = weights.kernel[i]! * factor;
  }
  return { kernel, bias };
}

function addActivation(g: OnnxGraphBuilder, activation: Activation, input: string, name: string): string {
  const out = `${name}.act`;
  switch (activation) {
    case 'linear':
      return input;
    case 'leaky':
      g.node('LeakyRelu', [input], [out], { alpha: LEAKY_SLOPE });
      return out;
    case 'relu':
      g.node('Relu', [input], [out]);
      return out;
    case 'logistic':
      g.node('Sigmoid', [input], [out]);
      return out;
    case 'swish':
      g.node('Sigmoid', [input], [`${name}.sigmoid`]).node('Mul', [input, `${name}.sigmoid`], [out]);
      return out;
    case 'mish':
      // mish(x) = x·tanh(softplus(x)); spelled out because Mish only exists from opset 18.
      g.node('Softplus', [input], [`${name}.softplus`])
        .node('Tanh', [`${name}.softplus`], [`${name}.tanh`])
        .node('Mul', [input, `${name}.tanh`], [out]);
      return out;
  }
}

interface Context {
  g: OnnxGraphBuilder;
  network: Network;
  weights: Map<number, ConvWeights>;
  /** ONNX tensor holding each layer's output, by layer number; -1 is the input */
  tensors: Map<number, string>;
}

/** groups/group_id (yolov4-tiny's CSP blocks) keep one channel slice of a routed layer. */
function channelSlice(ctx: Context, layer: ResolvedLayer & { kind: 'route' }, ref: number, name: string): string {
  const tensor = ctx.tensors.get(ref)!;
  if (layer.groups === 1) return tensor;
  const width = ctx.network.layers[ref]!.output.c / layer.groups;
  ctx.g
    .int64(`${name}.starts`, [width * layer.groupId])
    .int64(`${name}.ends`, [width * (layer.groupId + 1)])
    .int64(`${name}.axes`, [1])
    .node('Slice', [tensor, `${name}.starts`, `${name}.ends`, `${name}.axes`], [name]);
  return name;
}

/** Append one layer; returns the name of its output tensor. */
function addLayer(ctx: Context, layer: ResolvedLayer): string {
  const { g } = ctx;
  const name = `layer${layer.index}`;
  const input = ctx.tensors.get(layer.inputs[0]!)!;
  switch (layer.kind) {
    case 'convolutional': {
      const { kernel, bias } = foldBatchNorm(ctx.weights.get(layer.index)!, layer.filters);
      const p = layer.padding;
      g.initializer(`${name}.weight`, kernel, [layer.filters, layer.input.c / layer.groups, layer.size, layer.size])
        .initializer(`${name}.bias`, bias, [layer.filters])
        .node('Conv', [input, `${name}.weight`, `${name}.bias`], [`${name}.conv`], {
          kernel_shape: [layer.size, layer.size],
          strides: [layer.stride, layer.stride],
          pads: [p, p, p, p],
          group: layer.groups,
        });
      return addActivation(g, layer.activation, `${name}.conv`, name);
    }
    case 'maxpool': {
      // Darknet pads padding/2 before and the rest after, so size=2 stride=1 pads only bottom/right.
      const before = Math.floor(layer.padding / 2);
      const after = layer.padding - before;
      g.node('MaxPool', [input], [`${name}.pool`], {
        kernel_shape: [layer.size, layer.size],
        strides: [layer.stride, layer.stride],
        pads: [before, before, after, after],
      });
      return `${name}.pool`;
    }
    case 'upsample':
      g.initializer(`${name}.scales`, Float32Array.of(1, 1, layer.stride, layer.stride), [4])
        .node('Resize', [input, '', `${name}.scales`], [`${name}.up`], {
          mode: 'nearest',
          coordinate_transformation_mode: 'asymmetric',
          nearest_mode: 'floor',
        });
      return `${name}.up`;
    case 'route': {
      const parts = layer.inputs.map((ref, i) => channelSlice(ctx, layer, ref, `${name}.part${i}`));
      if (parts.length === 1) return parts[0]!;
      g.node('Concat', parts, [`${name}.concat`], { axis: 1 });
      return `${name}.concat`;
    }
    case 'shortcut':
      g.node('Add', [input, ctx.tensors.get(layer.inputs[1]!)!], [`${name}.add`]);
      return addActivation(g, layer.activation, `${name}.add`, name);
    case 'yolo':
      return input;
  }
}

/**
 * Build the graph: input `images` [1, 3, H, W] (RGB, 0..1), output
 * `detections` [1, boxes, 5 + classes] (cx, cy, w, h in input pixels,
 * objectness, per-class sigmoid scores).
 */
export function buildOnnxGraph(network: Network, weights: Map<number, ConvWeights>): OnnxGraphBuilder {
  const g = new OnnxGraphBuilder(network.source);
  const { width, height, channels } = network.net;
  g.input(INPUT_NAME, [1, channels, height, width]);
  const ctx: Context = { g, network, weights, tensors: new Map([[-1, INPUT_NAME]]) };
  const heads: string[] = [];
  for (const layer of network.layers) {
    ctx.tensors.set(layer.index, addLayer(ctx, layer));
    if (layer.kind === 'yolo') heads.push(addYoloHead(g, layer, ctx.tensors.get(layer.index)!, network.net));
  }
  if (heads.length === 1) g.node('Identity', heads, [OUTPUT_NAME]);
  else g.node('Concat', heads, [OUTPUT_NAME], { axis: 1 });
  g.output(OUTPUT_NAME, [1, network.boxes, 5 + network.classes]);
  return g;
}
