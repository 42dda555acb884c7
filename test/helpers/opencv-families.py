#!/usr/bin/env python3
"""Reference detections from OpenCV DNN for the model-family tests.

Runs an ONNX detector (or a Darknet cfg + weights) with cv2.dnn, preprocessing
and decoding every family the way its upstream project does, independently of
the TypeScript code under test. Prints JSON:
  {"detections": [{"classId", "score", "box": {"left", "top", "width", "height"}}]}
or exits 3 with {"error": ...} when OpenCV cannot load the model.

With --input-png the network input is that image (already resized and padded
by the code under test) instead of OpenCV's own resize, so both sides run the
network on identical pixels; the placement is still computed here.
"""
import argparse
import json
import re
import sys

import cv2
import numpy as np


def letterbox(img, width, height, centred, given):
    h, w = img.shape[:2]
    r = min(width / w, height / h)
    rw, rh = max(1, min(width, round(w * r))), max(1, min(height, round(h * r)))
    px, py = ((width - rw) // 2, (height - rh) // 2) if centred else (0, 0)
    if given is not None:
        return given, rw / w, rh / h, px, py
    resized = cv2.resize(img, (rw, rh), interpolation=cv2.INTER_LINEAR)
    canvas = np.full((height, width, 3), 114, dtype=np.uint8)
    canvas[py:py + rh, px:px + rw] = resized
    return canvas, rw / w, rh / h, px, py


def run(net, blob):
    net.setInput(blob)
    return net.forward()


def decode_yolox(out, width, height):
    rows = out.reshape(-1, out.shape[-1])
    grids, strides = [], []
    for s in (8, 16, 32):
        gh, gw = height // s, width // s
        ys, xs = np.meshgrid(np.arange(gh), np.arange(gw), indexing="ij")
        grids.append(np.stack([xs.ravel(), ys.ravel()], 1))
        strides.append(np.full((gh * gw, 1), s))
    grid, stride = np.concatenate(grids), np.concatenate(strides)
    xy = (rows[:, :2] + grid) * stride
    wh = np.exp(rows[:, 2:4]) * stride
    cls = rows[:, 5:] * rows[:, 4:5]
    return np.concatenate([xy, wh], 1), cls


def decode_yolov8(out):
    rows = out.reshape(out.shape[-2], out.shape[-1]).T
    return rows[:, :4], rows[:, 4:]


def decode_darknet(outs):
    rows = np.concatenate([o.reshape(-1, o.shape[-1]) for o in outs])
    return rows[:, :4], rows[:, 5:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("family", choices=["darknet-yolo", "yolov8", "yolox"])
    ap.add_argument("model", help="ONNX file, or the .cfg for darknet-yolo")
    ap.add_argument("image")
    ap.add_argument("--weights", help="darknet .weights (darknet-yolo only)")
    ap.add_argument("--size", type=int, nargs=2, default=[416, 416], metavar=("WIDTH", "HEIGHT"))
    ap.add_argument("--min-score", type=float, default=0.3)
    ap.add_argument("--iou", type=float, default=0.45)
    ap.add_argument("--input-png")
    args = ap.parse_args()
    family, (width, height), min_score, iou = args.family, args.size, args.min_score, args.iou
    img = cv2.imread(args.image, cv2.IMREAD_COLOR)
    h, w = img.shape[:2]
    given = cv2.imread(args.input_png, cv2.IMREAD_COLOR) if args.input_png else None
    try:
        net = cv2.dnn.readNetFromDarknet(args.model, args.weights) if family == "darknet-yolo" else cv2.dnn.readNetFromONNX(args.model)
    except cv2.error as err:
        found = re.search(r"Node \[[^\]]*\][^\n]*?parse error", str(err))
        print(json.dumps({"error": found.group(0) if found else " ".join(str(err).split())[:300]}))
        sys.exit(3)

    if family == "yolox":
        canvas, sx, sy, px, py = letterbox(img, width, height, False, given)
        boxes, cls = decode_yolox(run(net, cv2.dnn.blobFromImage(canvas, 1.0)), width, height)
    elif family == "yolov8":
        canvas, sx, sy, px, py = letterbox(img, width, height, True, given)
        boxes, cls = decode_yolov8(run(net, cv2.dnn.blobFromImage(canvas, 1 / 255, swapRB=True)))
    else:
        # Darknet region outputs are already normalised to the input: scale to input pixels.
        source = given if given is not None else img
        net.setInput(cv2.dnn.blobFromImage(source, 1 / 255, (width, height), swapRB=True, crop=False))
        boxes, cls = decode_darknet(net.forward(net.getUnconnectedOutLayersNames()))
        boxes = boxes * np.array([width, height, width, height])
        sx, sy, px, py = width / w, height / h, 0, 0

    class_ids = cls.argmax(1)
    scores = cls[np.arange(len(cls)), class_ids]
    keep = scores >= min_score
    boxes, class_ids, scores = boxes[keep], class_ids[keep], scores[keep]
    x1 = np.clip((boxes[:, 0] - boxes[:, 2] / 2 - px) / sx, 0, w)
    y1 = np.clip((boxes[:, 1] - boxes[:, 3] / 2 - py) / sy, 0, h)
    x2 = np.clip((boxes[:, 0] + boxes[:, 2] / 2 - px) / sx, 0, w)
    y2 = np.clip((boxes[:, 1] + boxes[:, 3] / 2 - py) / sy, 0, h)

    detections = []
    for c in np.unique(class_ids):
        idx = np.where(class_ids == c)[0]
        rects = [[float(x1[i]), float(y1[i]), float(x2[i] - x1[i]), float(y2[i] - y1[i])] for i in idx]
        for k in np.array(cv2.dnn.NMSBoxes(rects, scores[idx].tolist(), min_score, iou)).ravel():
            i = idx[int(k)]
            left, top = round(float(x1[i])), round(float(y1[i]))
            detections.append({
                "classId": int(c),
                "score": float(scores[i]),
                "box": {"left": left, "top": top, "width": round(float(x2[i])) - left, "height": round(float(y2[i])) - top},
            })
    detections.sort(key=lambda d: -d["score"])
    print(json.dumps({"detections": detections}))


if __name__ == "__main__":
    main()
