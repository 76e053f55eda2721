#!/usr/bin/env python3
"""Generate synthetic data, train, evaluate and export the three DDx Assist demo models.

    /usr/bin/python3 training/train_all.py

Writes models/{lesion-detector,lesion-classifier,rash-classifier}.onnx with their
.card.json, samples/*.jpg with .meta.json sidecars, training/metrics.json, and
the metrics block of training/README.md. Runs the ONNX parity check with
onnxruntime-node when node and the package are available.

These are demo models trained on synthetic images only. Not for clinical use.
"""
from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import re
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import datasets as D  # noqa: E402
import jsonfmt  # noqa: E402
import make_samples  # noqa: E402
import metrics as M  # noqa: E402
import nets  # noqa: E402
import onnx_node  # noqa: E402
import synthetic_skin as S  # noqa: E402
import calibration as C  # noqa: E402
import derm_eval  # noqa: E402
import eval_classifier_real  # noqa: E402
import eval_detector_real  # noqa: E402

SEED = 7
OPSET = 13
MODELS = os.path.join(ROOT, "models")
SAMPLES = os.path.join(ROOT, "samples")
PARITY = os.path.join(HERE, ".cache", "parity")

FULL = dict(det_train=3000, det_test=300, lesion_train=4000, lesion_test=1000, rash_train=1600, rash_test=400,
            extent_train=1200, extent_test=400, non_skin=600, det_epochs=10, lesion_epochs=8, rash_epochs=30,
            extent_epochs=30)
QUICK = dict(det_train=200, det_test=40, lesion_train=300, lesion_test=100, rash_train=200, rash_test=80,
             extent_train=200, extent_test=80, non_skin=80, det_epochs=1, lesion_epochs=1, rash_epochs=1,
             extent_epochs=1)

MEAN = torch.tensor(nets.IMAGENET_MEAN).view(1, 3, 1, 1)
STD = torch.tensor(nets.IMAGENET_STD).view(1, 3, 1, 1)


def log(*a):
    print(*a, flush=True)


def cpu_seconds():
    """CPU time of this process and its finished children (the data workers)."""
    import resource

    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def cosine_lr(opt, base, step, total, warmup):
    if step < warmup:
        lr = base * (step + 1) / warmup
    else:
        lr = base * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))
    for g in opt.param_groups:
        g["lr"] = lr


def to_tensor(u8):
    """(B, H, W, 3) uint8 -> (B, 3, H, W) float 0..1."""
    return torch.from_numpy(u8).permute(0, 3, 1, 2).float().div_(255.0)


# ---------------------------------------------------------------------------
# detector
# ---------------------------------------------------------------------------


def det_batch(images, boxes, idx, rng, crop):
    """Batch with random flips / transposes and, when crop, random crop x crop windows or the whole
    image scaled down to crop x crop."""
    size = images.shape[1]
    out_size = crop or size
    out = np.empty((len(idx), out_size, out_size, 3), np.uint8)
    gts, igs = [], []
    for k, i in enumerate(idx):
        b = boxes[i].copy()
        xi = images[i]
        if rng.random() < 0.5:  # horizontal flip
            xi = xi[:, ::-1]
            b[:, [0, 2]] = size - b[:, [2, 0]]
        if rng.random() < 0.5:  # vertical flip
            xi = xi[::-1]
            b[:, [1, 3]] = size - b[:, [3, 1]]
        if rng.random() < 0.5:  # transpose (a 90-degree turn up to a flip)
            xi = xi.transpose(1, 0, 2)
            b = b[:, [1, 0, 3, 2]]
        ig = np.zeros((0, 4), np.float32)
        if crop and rng.random() < 0.35:  # whole image scaled down (teaches large boxes and full context)
            xi = np.asarray(Image.fromarray(np.ascontiguousarray(xi)).resize((crop, crop), Image.BILINEAR))
            b = b * (crop / size)
        elif crop:
            if len(b) and rng.random() < 0.7:  # centre the window near a lesion most of the time
                t = b[rng.integers(len(b))]
                cx, cy = (t[0] + t[2]) / 2 + rng.normal(0, 40), (t[1] + t[3]) / 2 + rng.normal(0, 40)
                ox, oy = int(np.clip(cx - crop / 2, 0, size - crop)), int(np.clip(cy - crop / 2, 0, size - crop))
            else:
                ox, oy = int(rng.integers(0, size - crop + 1)), int(rng.integers(0, size - crop + 1))
            xi = xi[oy:oy + crop, ox:ox + crop]
            if len(b):
                area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
                b = b - np.array([ox, oy, ox, oy], np.float32)
                b = np.clip(b, 0, crop)
                vis = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
                keep = (vis >= 0.6 * area) & (b[:, 2] - b[:, 0] >= 3) & (b[:, 3] - b[:, 1] >= 3)
                ig = b[~keep & (vis > 0)]
                b = b[keep]
        out[k] = xi
        gts.append(torch.from_numpy(np.ascontiguousarray(b)))
        igs.append(torch.from_numpy(np.ascontiguousarray(ig)))
    x = to_tensor(out)
    # photometric jitter: exposure and colour balance
    g = torch.from_numpy(rng.uniform(0.85, 1.15, (len(idx), 1, 1, 1)).astype(np.float32))
    c = torch.from_numpy(rng.uniform(0.95, 1.05, (len(idx), 3, 1, 1)).astype(np.float32))
    x = (x * g * c).clamp_(0, 1)
    return x.contiguous(memory_format=torch.channels_last), gts, igs


FULL_FRAME_SHARE = 0.2  # batches of whole 320 px images (large dermoscopy lesions), the rest 192 px windows


def train_detector(images, boxes, cfg, rng):
    model = nets.Detector(1).to(memory_format=torch.channels_last)
    n = len(images)
    epochs = cfg["det_epochs"]
    per_step = FULL_FRAME_SHARE * 16 + (1 - FULL_FRAME_SHARE) * 32
    total = int(epochs * n / per_step)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=5e-4)
    step = 0
    for ep in range(epochs):
        model.train()
        perm = rng.permutation(n)
        t0 = time.time()
        tot = [0.0, 0.0, 0.0]
        k = 0
        b = 0
        while b < n:
            full = rng.random() < FULL_FRAME_SHARE
            bsz = 16 if full else 32
            idx = perm[b:b + bsz]
            b += bsz
            if len(idx) < bsz // 2:
                break
            k += 1
            x, gts, igs = det_batch(images, boxes, idx, rng, None if full else 192)
            cosine_lr(opt, 3e-3, min(step, total - 1), total, 30)
            loss, lc, lb = nets.detector_loss(model(x), gts, igs, x.shape[-2:])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
            opt.step()
            step += 1
            tot[0] += loss.item()
            tot[1] += lc.item()
            tot[2] += lb.item()
        k = max(1, k)
        log(f"  detector epoch {ep + 1}/{epochs} loss {tot[0] / k:.3f} "
            f"(obj {tot[1] / k:.3f}, giou {tot[2] / k:.3f}) {time.time() - t0:.0f}s")
        # checkpoint: a run stopped later can still be exported with --reuse-weights
        torch.save(model.state_dict(), os.path.join(HERE, ".cache", "weights-lesion-detector-epoch.pt"))
    model.eval()
    return model


@torch.no_grad()
def run_detector(export_model, images_u8, bs=32):
    outs = []
    for i in range(0, len(images_u8), bs):
        outs.append(export_model(to_tensor(images_u8[i:i + bs])).numpy())
    return np.concatenate(outs)


def eval_detector(export_model, images, boxes, conf=0.25, iou=0.45):
    out = run_detector(export_model, images)
    dets = []
    for o in out:
        b, s, _ = M.postprocess_yolo(o, conf, iou)
        dets.append((b, s))
    ap, rec, prec = M.average_precision(dets, boxes, 0.5)
    neg = [i for i, g in enumerate(boxes) if len(g) == 0]
    fp_neg = sum(1 for i in neg if len(dets[i][1]) > 0)
    # AP without the confidence floor, for reference
    dets_all = []
    for o in out:
        b, s, _ = M.postprocess_yolo(o, 0.001, iou)
        dets_all.append((b, s))
    ap_all, _, _ = M.average_precision(dets_all, boxes, 0.5)
    return {
        "mAP50": round(ap, 4),
        "recall50": round(rec, 4),
        "precision50": round(prec, 4),
        "mAP50_conf0.001": round(ap_all, 4),
        "heldOutImages": len(images),
        "heldOutLesions": int(sum(len(g) for g in boxes)),
        "negativeImages": len(neg),
        "negativeImagesWithAnyBox": fp_neg,
    }


# ---------------------------------------------------------------------------
# classifiers
# ---------------------------------------------------------------------------


def normalise(x01):
    return (x01 - MEAN) / STD


def cls_batch(images, labels, idx, rng, rotate):
    x = to_tensor(images[idx])
    if rng.random() < 0.5:
        x = x.flip(3)
    if rng.random() < 0.5:
        x = x.flip(2)
    if rotate and rng.random() < 0.5:
        x = x.transpose(2, 3)
    g = torch.from_numpy(rng.uniform(0.85, 1.15, (len(idx), 1, 1, 1)).astype(np.float32))
    c = torch.from_numpy(rng.uniform(0.94, 1.06, (len(idx), 3, 1, 1)).astype(np.float32))
    x = (x * g * c).clamp_(0, 1)
    return normalise(x).contiguous(memory_format=torch.channels_last), torch.from_numpy(labels[idx])


def train_classifier(name, images, labels, nc, epochs, rng, rotate, bs=64):
    model = nets.Classifier(nc).to(memory_format=torch.channels_last)
    n = len(images)
    steps = n // bs
    total = epochs * steps
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=5e-4)
    step = 0
    for ep in range(epochs):
        model.train()
        perm = rng.permutation(n)
        t0 = time.time()
        tl, corr = 0.0, 0
        for b in range(steps):
            idx = perm[b * bs:(b + 1) * bs]
            x, y = cls_batch(images, labels, idx, rng, rotate)
            cosine_lr(opt, 3e-3, step, total, min(100, total // 10))
            logits = model(x)
            loss = F.cross_entropy(logits, y, label_smoothing=0.05)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            tl += loss.item()
            corr += (logits.argmax(1) == y).sum().item()
        log(f"  {name} epoch {ep + 1}/{epochs} loss {tl / max(1, steps):.3f} "
            f"train-acc {corr / max(1, steps * bs):.3f} {time.time() - t0:.0f}s")
    model.eval()
    return model


@torch.no_grad()
def predict(model, images_u8, bs=128):
    outs = []
    for i in range(0, len(images_u8), bs):
        outs.append(model(normalise(to_tensor(images_u8[i:i + bs]))).numpy())
    return np.concatenate(outs)


def cls_metrics(logits, labels, names):
    pred = logits.argmax(1)
    per = {}
    for k, nm in enumerate(names):
        m = labels == k
        per[nm] = round(float((pred[m] == k).mean()), 4) if m.any() else None
    conf = np.zeros((len(names), len(names)), int)
    for t, p in zip(labels, pred):
        conf[t, p] += 1
    return round(float((pred == labels).mean()), 4), per, conf.tolist()


# ---------------------------------------------------------------------------
# export, cards, parity
# ---------------------------------------------------------------------------


def export_onnx(model, dummy, path, out_name):
    model.eval()
    with torch.no_grad():
        out_shape = list(model(dummy).shape)
    torch.onnx.export(model, dummy, path, input_names=["images"], output_names=[out_name], opset_version=OPSET,
                      do_constant_folding=True,
                      dynamic_axes={"images": {0: "batch"}, out_name: {0: "batch"}})
    fix_output_dims(path, out_shape)
    import onnx

    m = onnx.load(path)
    onnx.checker.check_model(m)
    ops = sorted({n.op_type for n in m.graph.node})
    return ops


def fix_output_dims(path, out_shape):
    """Declare the static output dims (e.g. [batch, 5, 2100]) where the exporter left symbolic names."""
    import onnx

    m = onnx.load(path)
    dims = m.graph.output[0].type.tensor_type.shape.dim
    for d, v in zip(list(dims)[1:], out_shape[1:]):
        d.Clear()
        d.dim_value = int(v)
    onnx.save(m, path)


def write_json(path, obj):
    jsonfmt.write(path, obj)


def save_parity_case(name, model, x):
    os.makedirs(PARITY, exist_ok=True)  # (train_all points PARITY elsewhere for --quick)
    with torch.no_grad():
        y = model(x).numpy().astype(np.float32)
    x.numpy().astype(np.float32).tofile(os.path.join(PARITY, f"{name}.input.bin"))
    y.tofile(os.path.join(PARITY, f"{name}.output.bin"))
    return {"input": f"{name}.input.bin", "inputShape": list(x.shape), "output": f"{name}.output.bin",
            "outputShape": list(y.shape)}


def run_node_check():
    script = os.path.join(HERE, "check_onnx.mjs")
    try:
        r = subprocess.run(["node", script, PARITY], cwd=ROOT, capture_output=True, text=True, timeout=300)
    except (FileNotFoundError, subprocess.TimeoutExpired) as e:
        return {"ran": False, "reason": str(e)}
    log(r.stdout.strip())
    if r.returncode != 0:
        log(r.stderr.strip()[-2000:])
    try:
        res = json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        res = {"ran": False, "reason": (r.stderr or r.stdout)[-500:]}
    return res


def torch_version():
    """Debian's python3-torch 1.13.1 reports itself as 1.13.0a0: prefer the package version."""
    try:
        v = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "python3-torch"], capture_output=True, text=True,
                           timeout=10).stdout.strip()
        if v and torch.__version__.startswith(v.split(".")[0] + "."):
            return v.split("+")[0]
    except (OSError, subprocess.SubprocessError):
        pass
    return torch.__version__.split("+")[0]


def trained(name, train_fn, make_fn, args):
    """Train (and keep the weights in training/.cache), or with --reuse-weights load them."""
    path = os.path.join(HERE, ".cache", f"weights-{name}{'-quick' if args.quick else ''}.pt")
    if args.reuse_weights and os.path.exists(path):
        model = make_fn()
        model.load_state_dict(torch.load(path))
        log(f"  reused weights from {path}")
        return model.eval()
    model = train_fn()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.save(model.state_dict(), path)
    return model


# ---------------------------------------------------------------------------


STAGES = ("detector", "lesion", "rash", "extent")
CLS_INPUT = {"name": "images", "width": 128, "height": 128, "layout": "NCHW", "scale": 255,
             "mean": list(nets.IMAGENET_MEAN), "std": list(nets.IMAGENET_STD), "resize": "stretch"}
INTENDED = ("Demonstration of the DDx Assist pipeline only. Trained on synthetic images; not validated on real "
            "patients; not for clinical use.")
NOT_DERM_EVAL = ("never trained, fine-tuned or tuned on ../shared/data/derm-eval (HAM10000, CC BY-NC 4.0): "
                 "those real images are used only to measure the exported model")
GENERATOR = "training/synthetic_skin.py + training/domain_random.py"


def training_block(epochs, n, framework, today):
    return {"data": f"synthetic ({GENERATOR})", "script": "training/train_all.py", "seed": SEED, "epochs": epochs,
            "trainSamples": n, "framework": framework, "exported": f"onnx opset {OPSET}", "date": today}


def training_data(n, what):
    return {"source": "synthetic", "generator": GENERATOR, "samples": int(n), "content": what,
            "note": NOT_DERM_EVAL}


def calibrate(logits, labels, ood_logits, names):
    """Temperature and energy threshold fitted on the first half of the held-out set, reported on the second."""
    half = len(labels) // 2
    t = C.fit_temperature(logits[:half], labels[:half])
    thr = C.fit_energy_threshold(logits[:half], 0.95)
    ev, ev_y = logits[half:], labels[half:]
    acc, per, conf = cls_metrics(ev, ev_y, names)
    oh = len(ood_logits) // 2
    report = {
        "accuracy": acc, "perClassAccuracy": per, "confusion": conf, "samples": int(len(ev_y)),
        "eceBefore": round(C.ece(ev, ev_y, 1.0), 4), "eceAfter": round(C.ece(ev, ev_y, t), 4),
        "nllBefore": round(C.nll(ev, ev_y, 1.0), 4), "nllAfter": round(C.nll(ev, ev_y, t), 4),
        "ood": C.ood_report(ev, ood_logits[oh:], thr),
    }
    cal = {"method": "temperature", "temperature": round(t, 4),
           "fittedOn": f"held-out synthetic, {half} images (calibration half; figures on the other {len(ev_y)})"}
    ood = {"score": "energy", "temperature": 1.0, "threshold": round(thr, 4),
           "fittedOn": f"95th percentile of -logsumexp(logits) on {half} held-out synthetic images; flags "
                       f"{report['ood']['nonSkinFlagged']:.0%} of {len(ood_logits) - oh} rendered non-skin images "
                       f"(documents, scenery, X-ray-like, shapes, textures) and "
                       f"{report['ood']['inDistributionFlagged']:.0%} of held-out synthetic skin images"}
    return cal, ood, report


def classifier_card(mid, desc, labels, icd, report, cal, ood, derm, epochs, n_train, what, framework, today):
    return {
        "id": mid,
        "version": "2.0.0",
        "task": "classification",
        "status": "demo",
        "description": desc,
        "labels": list(labels),
        "input": dict(CLS_INPUT),
        "output": {"name": "logits", "activation": "logits"},
        "icd10cm": icd,
        "metrics": {"heldOutAccuracy": report["accuracy"], "heldOutSamples": report["samples"],
                    "perClassAccuracy": report["perClassAccuracy"]},
        "trainingData": training_data(n_train, what),
        "evaluation": {
            "heldOutSynthetic": {k: report[k] for k in ("samples", "accuracy", "perClassAccuracy", "eceBefore",
                                                        "eceAfter", "nllBefore", "nllAfter")},
            **({"dermEval": derm} if derm else {}),
        },
        "calibration": cal,
        "outOfDistribution": ood,
        "training": training_block(epochs, n_train, framework, today),
        # The domain-randomised sets (datasets.py) render dermoscopy fields of view and clinical photos.
        "imageTypes": ["clinical", "dermoscopy"],
        "intendedUse": INTENDED,
    }


def derm_eval_available():
    return derm_eval.available()


def stage_detector(cfg, kw, args, rng, models_dir, framework, today, log_m):
    tr_x, tr_b = D.build("det_train", cfg["det_train"], **kw)
    te_x, te_b = D.build("det_test", cfg["det_test"], native=True, **kw)
    det = trained("lesion-detector", lambda: train_detector(tr_x, tr_b, cfg, rng), lambda: nets.Detector(1), args)
    export = nets.ExportDetector(det, 320).eval()
    m = eval_detector(export, te_x, te_b)
    log(f"  detector held-out synthetic: {m}")
    path = os.path.join(models_dir, "lesion-detector.onnx")
    ops = export_onnx(export, torch.zeros(1, 3, 320, 320), path, "output0")
    log(f"  ops: {', '.join(ops)}")
    derm = eval_detector_real.measure(path, log=log) if derm_eval_available() else None
    card = {
        "id": "lesion-detector",
        "version": "2.0.0",
        "task": "detection",
        "status": "demo",
        "description": "Demo one-class skin-lesion detector (YOLOv8-style output) trained on domain-randomised "
                       "synthetic dermoscopy and clinical images. Not for clinical use.",
        "labels": ["lesion"],
        "input": {"name": "images", "width": 320, "height": 320, "layout": "NCHW", "scale": 255,
                  "mean": [0, 0, 0], "std": [1, 1, 1], "resize": "letterbox", "padValue": 114},
        "output": {"name": "output0", "format": "yolov8"},
        "defaults": {"confidence": 0.25, "iou": 0.45},
        "icd10cm": {},
        "metrics": {"mAP50": m["mAP50"], "recall50": m["recall50"], "heldOutImages": m["heldOutImages"]},
        "trainingData": training_data(len(tr_x), "50% dermoscopy fields of view, 35% clinical close-ups, 15% "
                                                 "phone photos at a distance; 10% lesion-free; pen circles, ink "
                                                 "dots, arrows, rulers, gel bubbles and glare never labelled"),
        "evaluation": {"heldOutSynthetic": {k: m[k] for k in ("heldOutImages", "heldOutLesions", "mAP50",
                                                              "recall50", "precision50", "negativeImages",
                                                              "negativeImagesWithAnyBox")}},
        "training": training_block(args.epochs_done or cfg["det_epochs"], len(tr_x), framework, today),
        "intendedUse": INTENDED,
    }
    if args.epochs_done:
        card["training"]["note"] = (f"exported from the checkpoint after epoch {args.epochs_done} of "
                                    f"{cfg['det_epochs']} planned (the shared machine ran out of time)")
    if derm:
        card["evaluation"]["dermEval"] = {
            "images": derm["images"], "roiRecallIoU50": derm["roiRecallIoU50"],
            "meanTopBoxIoU": derm["meanTopBoxIoU"], "imagesWithoutBox": derm["imagesWithoutBox"],
            "roiRecallByDx": derm["roiRecallByDx"],
            "method": "top-scoring box after confidence 0.25 and NMS 0.45 at IoU >= 0.5 with the image's outlined "
                      "lesion (training/eval_detector_real.py); measurement only, CC BY-NC 4.0"}
    write_json(os.path.join(models_dir, "lesion-detector.card.json"), card)
    log_m["lesion-detector"] = {**m, "dermEval": derm}
    return export


def stage_classifier(mid, cfg, kw, args, rng, models_dir, framework, today, log_m, non_skin):
    def train_set(name):  # a kept model (--recalibrate) needs no training data
        if mid in (args.recalibrate or []):
            return np.zeros((0, 128, 128, 3), np.uint8), np.zeros(0, np.int64)
        return D.build(name, cfg[name], **kw)

    if mid == "lesion-classifier":
        tr_x, tr_y = train_set("lesion_train")
        te_x, te_y = D.build("lesion_test", cfg["lesion_test"], **kw)
        names, epochs, icd = S.LESION_LABELS, cfg["lesion_epochs"], {
            "melanocytic-nevus": ["D22.9"], "melanoma": ["C43.9"], "seborrheic-keratosis": ["L82.1"],
            "basal-cell-carcinoma": ["C44.91"], "vascular-lesion": ["D18.01"]}
        desc = "Demo lesion-type classifier (on the crop around the detected lesion) trained on synthetic images."
        what = ("crops of synthetic dermoscopy (half) and clinical close-up lesions, box jittered, 5-80% padding, "
                "skin types I-VI evenly")
        te_eval = te_x[:, 0]
    elif mid == "rash-classifier":
        tr_x, tr_y = train_set("rash_train")
        te_x, te_y = D.build("rash_test", cfg["rash_test"], **kw)
        names, epochs, icd = S.RASH_LABELS, cfg["rash_epochs"], {
            "plaque-psoriasis": ["L40.0"], "urticaria": ["L50.9"], "morbilliform-eruption": ["R21"],
            "petechial-purpuric-eruption": ["R23.3"]}
        desc = "Demo widespread-rash pattern classifier (whole image) trained on synthetic images."
        what = "whole synthetic widespread-rash photos with clothing, rulers and colour casts, skin types I-VI evenly"
        te_eval = te_x
    else:
        tr_x, tr_y = train_set("extent_train")
        te_x, te_y = D.build("extent_test", cfg["extent_test"], **kw)
        names, epochs, icd = EXTENT_LABELS, cfg["extent_epochs"], {}
        desc = ("Demo localized / widespread extent classifier (whole image), used to route when the request "
                "gives no extent. Trained on synthetic images.")
        what = ("whole synthetic images: localized (dermoscopy, clinical close-ups, distant phone photos) vs "
                "widespread rashes, half each")
        te_eval = te_x
    path = os.path.join(models_dir, f"{mid}.onnx")
    card_path = os.path.join(models_dir, f"{mid}.card.json")
    kept = mid in (args.recalibrate or [])
    if kept:
        # keep the committed model: measure and calibrate it on the new held-out data, no training
        def logits_of(u8):
            return onnx_node.run(path, u8, nets.IMAGENET_MEAN, nets.IMAGENET_STD)
        with open(card_path) as f:
            old_training = json.load(f)["training"]
        model = None
    else:
        # small sets get small batches: enough optimiser steps in a few epochs
        bs = 64 if len(tr_x) >= 3000 else 16
        model = trained(mid, lambda: train_classifier(mid, tr_x, tr_y, len(names), epochs, rng, rotate=True, bs=bs),
                        lambda: nets.Classifier(len(names)), args)

        def logits_of(u8):
            return predict(model, u8)
    logits = logits_of(te_eval)
    cal, ood, report = calibrate(logits, te_y, logits_of(non_skin), names)
    extra = {}
    if mid == "lesion-classifier":
        acc_l, _, _ = cls_metrics(logits_of(te_x[len(te_y) // 2:, 1]), te_y[len(te_y) // 2:], names)
        extra["looseCropAccuracy"] = acc_l
    log(f"  {mid}: held-out {report['accuracy']} ece {report['eceBefore']} -> {report['eceAfter']} "
        f"T={cal['temperature']} ood {report['ood']} {extra}")
    if not kept:
        export_onnx(model, torch.zeros(1, 3, 128, 128), path, "logits")
    derm = None
    if derm_eval_available() and mid != "rash-classifier":
        derm = eval_classifier_real.measure(mid, path, cal["temperature"], ood["threshold"], log=log)
    card = classifier_card(mid, desc + " Not for clinical use.", names, icd, report, cal, ood, derm, epochs,
                           len(tr_x), what, framework, today)
    if kept:
        card["version"] = "1.0.0"
        card["training"] = old_training
        card["trainingData"] = {"source": "synthetic", "generator": "training/synthetic_skin.py",
                                "samples": old_training["trainSamples"],
                                "content": "the clean synthetic images of the first demo models (before domain "
                                           "randomisation); measured and calibrated on domain-randomised held-out "
                                           "images", "note": NOT_DERM_EVAL}
    if extra:
        card["evaluation"]["heldOutSynthetic"].update(extra)
    write_json(card_path, card)
    log_m[mid] = {**report, **extra, "calibration": cal, "outOfDistribution": ood, "dermEval": derm}
    return model


EXTENT_LABELS = ["localized", "widespread"]


def write_readme_block(summary):
    """The measured-figures block of training/README.md, from training/metrics.json."""
    path = os.path.join(HERE, "README.md")
    with open(path) as f:
        text = f.read()
    d = summary.get("lesion-detector", {})
    lines = ["<!-- metrics:start (written by train_all.py) -->"]
    run = summary.get("run")
    if run:
        lines += [f"Measured on {summary['date']} ({summary['torch']}, 2 CPU threads, 2-core machine shared with other "
                  f"jobs): the whole command took {run['wallSeconds'] / 60:.1f} min wall clock, "
                  f"{run['cpuSeconds'] / 60:.1f} min CPU.", ""]
    lines += ["| model | held-out synthetic | derm-eval (1,280 real dermoscopy images, measurement only) |",
              "| --- | --- | --- |"]
    if d:
        de = d.get("dermEval") or {}
        lines.append(f"| lesion-detector | {d['heldOutImages']} images, mAP@0.5 **{d['mAP50']:.3f}**, recall@0.5 "
                     f"{d['recall50']:.3f}, lesion-free images with a box {d['negativeImagesWithAnyBox']}/"
                     f"{d['negativeImages']} | top box IoU >= 0.5: **{de.get('roiRecallIoU50', float('nan')):.1%}** "
                     f"(mean top-box IoU {de.get('meanTopBoxIoU', float('nan')):.3f}) |")
    for mid in ("lesion-classifier", "rash-classifier", "extent-classifier"):
        c = summary.get(mid)
        if not c:
            continue
        de = c.get("dermEval") or {}
        real = "-"
        if mid == "lesion-classifier" and de:
            real = (f"top-1 {de['top1']:.1%} on the {de['images']} images of its 5 classes (chance 20%), "
                    f"flagged out of distribution {de['oodFlagged']:.0%}")
        elif mid == "extent-classifier" and de:
            real = f"answers `localized` on {de['localized']:.1%} of {de['images']} images (all are localized)"
        lines.append(f"| {mid} | {c['samples']} images, accuracy **{c['accuracy']:.3f}**; ECE {c['eceBefore']:.3f} -> "
                     f"{c['eceAfter']:.3f} at T = {c['calibration']['temperature']:.2f}; energy threshold "
                     f"{c['outOfDistribution']['threshold']:.2f} flags {c['ood']['nonSkinFlagged']:.0%} of non-skin, "
                     f"{c['ood']['inDistributionFlagged']:.0%} of skin | {real} |")
    lines.append("<!-- metrics:end -->")
    block = "\n".join(lines)
    text = re.sub(r"<!-- metrics:start.*?<!-- metrics:end -->", lambda _m: block, text, flags=re.S)
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="tiny smoke run (writes to /tmp, not models/)")
    ap.add_argument("--no-cache", action="store_true", help="regenerate data even if cached")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--only", choices=STAGES, action="append", help="train only these models (repeatable)")
    ap.add_argument("--recalibrate", action="append", choices=[f"{st}-classifier" for st in STAGES[1:]],
                    help="keep this committed classifier: only measure it, fit its temperature and energy threshold")
    ap.add_argument("--epochs-done", type=int,
                    help="with --reuse-weights: the detector weights are a checkpoint after this many epochs")
    ap.add_argument("--samples", action="store_true", help="also redraw samples/ (they are kept otherwise)")
    ap.add_argument("--reuse-weights", action="store_true",
                    help="debugging: load weights saved by an earlier run in training/.cache instead of training")
    args = ap.parse_args()
    cfg = QUICK if args.quick else FULL
    stages = args.only or list(STAGES)
    global PARITY
    if args.quick:
        PARITY = PARITY + "-quick"
    models_dir = "/tmp/ddx-quick/models" if args.quick else MODELS
    samples_dir = "/tmp/ddx-quick/samples" if args.quick else SAMPLES
    os.makedirs(models_dir, exist_ok=True)
    torch.set_num_threads(2)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    t_start, c_start = time.time(), cpu_seconds()
    today = datetime.date.today().isoformat()
    framework = f"torch {torch_version()}"
    kw = dict(seed=SEED, workers=args.workers, use_cache=not args.no_cache, log=log)
    metrics_path = os.path.join(HERE, "metrics.json")
    summary = {}
    timings = {}
    non_skin = None
    if any(s != "detector" for s in stages):
        non_skin, _ = D.build("non_skin", cfg["non_skin"], **kw)
    models = {}
    for stage in stages:
        log(f"== {stage}")
        t0 = time.time()
        if stage == "detector":
            models["lesion-detector"] = stage_detector(cfg, kw, args, rng, models_dir, framework, today, summary)
        else:
            mid = f"{stage}-classifier"
            models[mid] = stage_classifier(mid, cfg, kw, args, rng, models_dir, framework, today, summary, non_skin)
        timings[stage] = time.time() - t0
    if args.samples:
        make_samples.run(models["lesion-detector"], models["lesion-classifier"], models["rash-classifier"],
                         samples_dir, log=log, max_tries=3 if args.quick else 80)
    parity = parity_check(models, "-".join(stages))
    wall, cpu_total = time.time() - t_start, cpu_seconds() - c_start
    if not args.quick:
        # re-read: runs of single stages (--only) may have finished meanwhile; keep their figures
        merged = {}
        if os.path.exists(metrics_path):
            with open(metrics_path) as f:
                merged = json.load(f)
            if "stageWallSeconds" not in merged:
                if "timings" in merged.get("run", {}):  # an earlier single-stage run of this script
                    merged["stageWallSeconds"] = merged.pop("run")["timings"]
                else:  # metrics.json of the pre-domain-randomisation models
                    merged = {}
        merged.update(summary)
        merged.setdefault("stageWallSeconds", {}).update({k: round(v, 1) for k, v in timings.items()})
        merged.update({"date": today, "torch": framework, "threads": 2, "seed": SEED, "config": cfg})
        if set(stages) == set(STAGES):
            merged["run"] = {"wallSeconds": round(wall, 1), "cpuSeconds": round(cpu_total, 1)}
        merged.setdefault("parity", {})["/".join(stages)] = parity.get("summary", parity)
        write_json(metrics_path, merged)
        write_readme_block(merged)
    log(f"done in {wall / 60:.1f} min wall, {cpu_total / 60:.1f} min CPU")


def parity_check(models, run_name):
    """onnxruntime-node vs torch on random inputs for the models trained in this run."""
    global PARITY
    PARITY = f"{PARITY}-{run_name}"
    cases = {}
    g = torch.Generator().manual_seed(SEED)
    for mid, model in models.items():
        if model is None:  # kept (--recalibrate): not exported by this run
            continue
        size = 320 if mid == "lesion-detector" else 128
        x = torch.rand(2, 3, size, size, generator=g)
        cases[mid] = [save_parity_case(f"{mid}-0", model, x[:1]), save_parity_case(f"{mid}-1", model, x)]
    if not cases:
        return {"ran": False, "reason": "no model exported by this run"}
    os.makedirs(PARITY, exist_ok=True)
    models_dir = "/tmp/ddx-quick/models" if "-quick" in PARITY else MODELS
    write_json(os.path.join(PARITY, "cases.json"), {"modelsDir": models_dir, "cases": cases})
    return run_node_check()


if __name__ == "__main__":
    main()
