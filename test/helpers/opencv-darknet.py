"""Run a Darknet cfg + weights through OpenCV's own Darknet importer.

Reference side of the converter tests: OpenCV (Debian python3-opencv)
implements Darknet independently of our TypeScript, so agreement between the
two is evidence that both read the files the same way.

usage: opencv-darknet.py CFG WEIGHTS BLOB OUT
       opencv-darknet.py --onnx MODEL BLOB OUT WIDTH HEIGHT
  BLOB  raw little-endian float32 NCHW input [1, 3, H, W] (H, W from the cfg)
  OUT   receives float32 rows. Darknet: every [yolo] output, concatenated in
        network order, each row [cx, cy, w, h (0..1 of the input), objectness,
        objectness*class score, zeroed below the layer's threshold].
        --onnx: the converted model's `detections`, run by OpenCV's ONNX
        importer (proof that the chosen opset loads there too).
stdout: JSON {"outputs": [{"name": ..., "rows": ..., "cols": ...}, ...]}
exit 3 when cv2 cannot be imported, so the caller can skip instead of fail.
"""
import json
import sys

try:
    import cv2
    import numpy as np
except ImportError as err:
    print(f"opencv-darknet: {err}", file=sys.stderr)
    sys.exit(3)


def main(cfg, weights, blob_path, out_path):
    net = cv2.dnn.readNetFromDarknet(cfg, weights)
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
    names = net.getUnconnectedOutLayersNames()
    blob = np.fromfile(blob_path, dtype="<f4")
    width, height = _input_size(cfg)
    net.setInput(blob.reshape(1, 3, height, width))
    outputs = net.forward(names)
    with open(out_path, "wb") as f:
        for out in outputs:
            f.write(np.ascontiguousarray(out, dtype="<f4").tobytes())
    print(json.dumps({"outputs": [
        {"name": n, "rows": int(o.shape[0]), "cols": int(o.shape[1])} for n, o in zip(names, outputs)
    ]}))


def main_onnx(model, blob_path, out_path, width, height):
    net = cv2.dnn.readNetFromONNX(model)
    blob = np.fromfile(blob_path, dtype="<f4")
    net.setInput(blob.reshape(1, 3, int(height), int(width)), "images")
    out = net.forward()
    rows = out.reshape(-1, out.shape[-1])
    np.ascontiguousarray(rows, dtype="<f4").tofile(out_path)
    print(json.dumps({"outputs": [{"name": "detections", "rows": int(rows.shape[0]), "cols": int(rows.shape[1])}]}))


def _input_size(cfg):
    size = {}
    with open(cfg) as f:
        for line in f:
            key, _, value = line.partition("=")
            if key.strip() in ("width", "height") and key.strip() not in size:
                size[key.strip()] = int(value.split("#")[0])
    return size["width"], size["height"]


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "--onnx":
        main_onnx(*sys.argv[2:])
    elif len(sys.argv) == 5:
        main(*sys.argv[1:])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
