#!/usr/bin/env python3
"""Measures the exported lesion and extent classifiers on the real derm-eval images (evaluation only).

    /usr/bin/python3 training/eval_classifier_real.py lesion-classifier|extent-classifier [--model PATH]

lesion-classifier: the crop the orchestrator makes (the outlined lesion box padded 15% per side,
stretched to 128x128), top-1 against HAM10000's diagnosis for the five diagnoses the demo model
knows (NV, MEL, BKL, BCC, VASC; AKIEC and DF have no demo class and only count in the
out-of-distribution rate). extent-classifier: the whole image (every derm-eval image is a
localized lesion). Both report the share of images the card's energy threshold flags.
derm-eval is CC BY-NC 4.0 and for measuring only: nothing here trains or tunes a model.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import calibration as C  # noqa: E402
import derm_eval  # noqa: E402
import nets  # noqa: E402
import onnx_node  # noqa: E402
import synthetic_skin as S  # noqa: E402

SIZE = 128


def _inputs(mid, folder, items):
    out = np.empty((len(items), SIZE, SIZE, 3), np.uint8)
    for i, (name, _dx, boxes) in enumerate(items):
        img = derm_eval.image(folder, name)
        if mid == "lesion-classifier":
            h, w, _ = img.shape
            areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
            b = boxes[int(areas.argmax())] * np.array([w, h, w, h])
            out[i] = S.padded_crop(img, tuple(b), 0.15, SIZE)
        else:
            out[i] = np.asarray(Image.fromarray(img).resize((SIZE, SIZE), Image.BILINEAR))
    return out


def measure(mid, model_path, temperature, threshold, folder=derm_eval.DEFAULT_DIR, log=print):
    items = derm_eval.load(folder)
    logits = onnx_node.run(model_path, _inputs(mid, folder, items), nets.IMAGENET_MEAN, nets.IMAGENET_STD)
    flagged = C.energy(logits) > threshold
    res = {"images": len(items), "oodFlagged": round(float(flagged.mean()), 4)}
    if mid == "lesion-classifier":
        label_of = {k: S.LESION_LABELS.index(v) for k, v in derm_eval.DX_TO_LABEL.items()}
        keep = np.array([dx in label_of for _n, dx, _b in items])
        truth = np.array([label_of.get(dx, -1) for _n, dx, _b in items])
        pred = logits.argmax(1)
        p = np.exp(logits / temperature - (logits / temperature).max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        res = {"images": int(keep.sum()), "top1": round(float((pred[keep] == truth[keep]).mean()), 4),
               "top1ByDx": {dx: round(float((pred[keep & (truth == k)] == k).mean()), 4)
                            for dx, k in sorted(label_of.items())},
               "meanCalibratedTop1Probability": round(float(p[keep].max(1).mean()), 4),
               "predictedShare": {S.LESION_LABELS[k]: round(float((pred[keep] == k).mean()), 4)
                                  for k in range(len(S.LESION_LABELS))},
               "oodFlagged": round(float(flagged.mean()), 4), "oodFlaggedImages": len(items),
               "method": "outlined lesion box padded 15%, stretched to 128 (training/eval_classifier_real.py); "
                         "HAM10000 NV/MEL/BKL/BCC/VASC mapped to the 5 demo labels; measurement only, CC BY-NC 4.0"}
        log(f"derm-eval lesion-classifier: top-1 {res['top1']:.1%} on {res['images']} images; "
            f"energy flags {res['oodFlagged']:.0%} of {len(items)}")
    else:
        res["localized"] = round(float((logits.argmax(1) == 0).mean()), 4)
        res["method"] = ("whole image stretched to 128 (training/eval_classifier_real.py); every derm-eval image "
                         "is a localized lesion; measurement only, CC BY-NC 4.0")
        log(f"derm-eval extent-classifier: localized on {res['localized']:.1%}; energy flags {res['oodFlagged']:.0%}")
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_id", choices=["lesion-classifier", "extent-classifier"])
    ap.add_argument("--model")
    ap.add_argument("--data", default=derm_eval.DEFAULT_DIR)
    args = ap.parse_args()
    root = os.path.dirname(HERE)
    path = args.model or os.path.join(root, "models", f"{args.model_id}.onnx")
    with open(os.path.join(os.path.dirname(path), f"{args.model_id}.card.json")) as f:
        card = json.load(f)
    t = card.get("calibration", {}).get("temperature", 1.0)
    thr = card.get("outOfDistribution", {}).get("threshold", float("inf"))
    if not derm_eval.available(args.data):
        print(f"no derm-eval data at {args.data}: nothing measured")
        return
    print(json.dumps(measure(args.model_id, path, t, thr, args.data)))


if __name__ == "__main__":
    main()
