#!/usr/bin/env python3
"""Measures the exported lesion detector on the real derm-eval images (evaluation only).

    /usr/bin/python3 training/eval_detector_real.py [--model models/lesion-detector.onnx] [--data DIR]

The detector runs as the orchestrator runs it: letterbox to 320 (pad 114), onnxruntime,
confidence 0.25, NMS IoU 0.45, the top-scoring box is the ROI. HAM10000 shows one lesion
per image; where labels.csv has several outlines for an image (fragments of the same
lesion or satellite spots) the ROI counts as found if it reaches IoU 0.5 with any of them.

Prints the figures and, as the last line, a JSON object. derm-eval is CC BY-NC 4.0 and
for measuring only: nothing here trains, tunes or selects a model.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import derm_eval  # noqa: E402
import metrics as M  # noqa: E402
import onnx_node  # noqa: E402
import synthetic_skin as S  # noqa: E402

SIZE = 320


def measure(model_path, folder=derm_eval.DEFAULT_DIR, conf=0.25, iou=0.45, log=print):
    items = derm_eval.load(folder)
    batch = np.empty((len(items), SIZE, SIZE, 3), np.uint8)
    geo = []
    for i, (name, _dx, _boxes) in enumerate(items):
        img = derm_eval.image(folder, name)
        batch[i], r, px, py = S.letterbox(img, SIZE)
        geo.append((img.shape[1], img.shape[0], r, px, py))
    out = onnx_node.run(model_path, batch).reshape(len(items), 5, -1)
    found, top_iou, no_box, lesion_hit, lesions = 0, [], 0, 0, 0
    per_dx = {}
    for (name, dx, gt), o, (w, h, r, px, py) in zip(items, out, geo):
        gt_px = gt * np.array([w, h, w, h])
        boxes, scores, _ = M.postprocess_yolo(o, conf, iou)
        boxes = (boxes - np.array([px, py, px, py])) / r
        lesions += len(gt_px)
        if len(scores) == 0:
            no_box += 1
            top_iou.append(0.0)
            hit = False
        else:
            ious = M.iou_matrix(boxes, gt_px)  # (k, g)
            best = float(ious[0].max())  # boxes come out of NMS sorted by score
            top_iou.append(best)
            hit = best >= 0.5
            lesion_hit += int((ious.max(0) >= 0.5).sum())
        found += int(hit)
        d = per_dx.setdefault(dx, [0, 0])
        d[0] += int(hit)
        d[1] += 1
    res = {
        "images": len(items),
        "roiRecallIoU50": round(found / len(items), 4),
        "meanTopBoxIoU": round(float(np.mean(top_iou)), 4),
        "imagesWithoutBox": no_box,
        "outlines": lesions,
        "outlinesMatchedByAnyBoxIoU50": round(lesion_hit / max(1, lesions), 4),
        "roiRecallByDx": {k: round(v[0] / v[1], 4) for k, v in sorted(per_dx.items())},
        "confidence": conf,
        "nmsIoU": iou,
    }
    log(f"derm-eval: top box IoU >= 0.5 on {found}/{len(items)} images ({res['roiRecallIoU50']:.1%}); "
        f"mean top-box IoU {res['meanTopBoxIoU']:.3f}; {no_box} images without a box")
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=os.path.join(os.path.dirname(HERE), "models", "lesion-detector.onnx"))
    ap.add_argument("--data", default=derm_eval.DEFAULT_DIR)
    args = ap.parse_args()
    if not derm_eval.available(args.data):
        print(f"no derm-eval data at {args.data}: nothing measured")
        return
    print(json.dumps(measure(args.model, args.data)))


if __name__ == "__main__":
    main()
