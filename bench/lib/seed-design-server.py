"""The seed assignment's service design, for `npm run bench -- seed-design`.

Flask with a thread per request, OpenCV's DNN module running YOLOv3-tiny from
its Darknet cfg and weights, as the assignment describes it. This is the
favourable form of that design: the network is loaded once (not per request)
and a lock keeps two threads from running it at once (OpenCV's Net is not
thread-safe). Everything else is OpenCV's defaults, thread count included.

  python3 bench/lib/seed-design-server.py CFG WEIGHTS NAMES PORT
"""
import base64
import sys
import threading

import cv2
import numpy as np
from flask import Flask, jsonify, request

cfg, weights, names_file, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
net = cv2.dnn.readNetFromDarknet(cfg, weights)
outputs = net.getUnconnectedOutLayersNames()
with open(names_file, encoding="utf-8") as f:
    names = [line.strip() for line in f if line.strip()]
lock = threading.Lock()
app = Flask(__name__)


@app.get("/healthz")
def healthz():
    return "ok"


@app.post("/api/object_detection")
def detect():
    body = request.get_json(force=True)
    pixels = np.frombuffer(base64.b64decode(body["image"]), np.uint8)
    image = cv2.imdecode(pixels, cv2.IMREAD_COLOR)
    height, width = image.shape[:2]
    blob = cv2.dnn.blobFromImage(image, 1 / 255.0, (416, 416), swapRB=True, crop=False)
    with lock:
        net.setInput(blob)
        layers = net.forward(outputs)
    boxes, scores, classes = [], [], []
    for layer in layers:
        for row in layer:
            class_scores = row[5:]
            cls = int(np.argmax(class_scores))
            score = float(class_scores[cls])
            if score > 0.5:
                cx, cy, w, h = row[0] * width, row[1] * height, row[2] * width, row[3] * height
                boxes.append([int(cx - w / 2), int(cy - h / 2), int(w), int(h)])
                scores.append(score)
                classes.append(cls)
    keep = cv2.dnn.NMSBoxes(boxes, scores, 0.5, 0.45) if boxes else []
    objects = [
        {
            "label": names[classes[i]],
            "accuracy": scores[i],
            "rectangle": {"left": boxes[i][0], "top": boxes[i][1], "width": boxes[i][2], "height": boxes[i][3]},
        }
        for i in np.array(keep).flatten()
    ]
    return jsonify({"id": body["id"], "objects": objects})


app.run(host="127.0.0.1", port=port, threaded=True)
