/**
 * The [yolo] box decoding, written as ONNX nodes so the converted model
 * returns ready boxes instead of raw logits. For a layer with A anchors on
 * an H×W grid, and a cell (row, col) with stride s = input / grid:
 *
 *   cx = (sigmoid(tx)·k − (k − 1)/2 + col) · s_x      k = scale_x_y
 *   cy = (sigmoid(ty)·k − (k − 1)/2 + row) · s_y
 *   w  = exp(tw) · anchor_w                         (anchors are in input pixels)
 *   h  = exp(th) · anchor_h
 *   objectness, class scores = sigmoid(...)
 *
 * which is Darknet's get_yolo_box scaled from 0..1 to input pixels. Rows
 * come out ordered (row, col, anchor), the order OpenCV's importer uses.
 */
import type { OnnxGraphBuilder } from '../onnx/graph.js';
import type { ResolvedLayer } from './network.js';

type YoloLayer = ResolvedLayer & { kind: 'yolo' };

/**
 * Append the decoding of `layer`, reading the raw convolution output
 * `input` [1, A·(5+C), H, W]; returns the name of the [1, H·W·A, 5+C] result.
 */
export function addYoloHead(
  g: OnnxGraphBuilder,
  layer: YoloLayer,
  input: string,
  netSize: { width: number; height: number },
): string {
  const { h: rows, w: cols } = layer.output;
  const anchors = layer.anchors.length;
  const attrs = 5 + layer.classes;
  const p = `yolo${layer.index}`;
  const strideX = netSize.width / cols;
  const strideY = netSize.height / rows;
  const k = layer.scaleXY;

  // Per-row constants in the final [1, rows·cols·A, 2] layout: a few kB, and
  // same-shape arithmetic, because OpenCV 4.6 cannot broadcast a [1, 1, 2]
  // constant over the last axis.
  const boxes = rows * cols * anchors;
  const xyScale = new Float32Array(boxes * 2);
  const offset = new Float32Array(boxes * 2);
  const anchorWh = new Float32Array(boxes * 2);
  for (let row = 0; row < rows; row += 1) {
    for (let col = 0; col < cols; col += 1) {
      for (let a = 0; a < anchors; a += 1) {
        const i = 2 * ((row * cols + col) * anchors + a);
        xyScale[i] = k * strideX;
        xyScale[i + 1] = k * strideY;
        offset[i] = (col - (k - 1) / 2) * strideX;
        offset[i + 1] = (row - (k - 1) / 2) * strideY;
        anchorWh[i] = layer.anchors[a]![0];
        anchorWh[i + 1] = layer.anchors[a]![1];
      }
    }
  }

  g.int64(`${p}.shape4d`, [1, anchors, attrs, rows * cols])
    .int64(`${p}.shape3d`, [1, boxes, attrs])
    .int64(`${p}.axis`, [2])
    .int64(`${p}.at0`, [0])
    .int64(`${p}.at2`, [2])
    .int64(`${p}.at4`, [4])
    .int64(`${p}.end`, [attrs])
    .initializer(`${p}.xy_scale`, xyScale, [1, boxes, 2])
    .initializer(`${p}.offset`, offset, [1, boxes, 2])
    .initializer(`${p}.anchors`, anchorWh, [1, boxes, 2])
    .node('Reshape', [input, `${p}.shape4d`], [`${p}.4d`])
    .node('Transpose', [`${p}.4d`], [`${p}.cells`], { perm: [0, 3, 1, 2] })
    .node('Reshape', [`${p}.cells`, `${p}.shape3d`], [`${p}.rows`])
    // Three Slices rather than one Split: OpenCV 4.6 only imports equal-sized Splits.
    .node('Slice', [`${p}.rows`, `${p}.at0`, `${p}.at2`, `${p}.axis`], [`${p}.txy`])
    .node('Slice', [`${p}.rows`, `${p}.at2`, `${p}.at4`, `${p}.axis`], [`${p}.twh`])
    .node('Slice', [`${p}.rows`, `${p}.at4`, `${p}.end`, `${p}.axis`], [`${p}.tscores`])
    .node('Sigmoid', [`${p}.txy`], [`${p}.sxy`])
    .node('Mul', [`${p}.sxy`, `${p}.xy_scale`], [`${p}.xy_scaled`])
    .node('Add', [`${p}.xy_scaled`, `${p}.offset`], [`${p}.xy`])
    .node('Exp', [`${p}.twh`], [`${p}.ewh`])
    .node('Mul', [`${p}.ewh`, `${p}.anchors`], [`${p}.wh`])
    .node('Sigmoid', [`${p}.tscores`], [`${p}.scores`])
    .node('Concat', [`${p}.xy`, `${p}.wh`, `${p}.scores`], [`${p}.boxes`], { axis: 2 });
  return `${p}.boxes`;
}
