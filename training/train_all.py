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
import synthetic_skin as S  # noqa: E402

SEED = 7
OPSET = 13
MODELS = os.path.join(ROOT, "models")
SAMPLES = os.path.join(ROOT, "samples")
PARITY = os.path.join(HERE, ".cache", "parity")

FULL = dict(det_train=3000, det_test=300, lesion_train=4000, lesion_test=1000, rash_train=3200, rash_test=800,
            det_crop_epochs=12, det_full_epochs=0, lesion_epochs=10, rash_epochs=10)
QUICK = dict(det_train=200, det_test=40, lesion_train=300, lesion_test=100, rash_train=200, rash_test=80,
             det_crop_epochs=1, det_full_epochs=0, lesion_epochs=1, rash_epochs=1)

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


def train_detector(images, boxes, cfg, rng):
    model = nets.Detector(1).to(memory_format=torch.channels_last)
    n = len(images)
    bs = 32
    crop_ep, full_ep = cfg["det_crop_epochs"], cfg["det_full_epochs"]
    total = crop_ep * (n // bs) + full_ep * (n // (bs // 2))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=5e-4)
    step = 0
    for ep in range(crop_ep + full_ep):
        crop = 192 if ep < crop_ep else None
        bsz = bs if crop else bs // 2  # full 320 px: half batches, twice as many steps
        model.train()
        perm = rng.permutation(n)
        t0 = time.time()
        tot = [0.0, 0.0, 0.0]
        k = 0
        for b in range(0, n - bsz + 1, bsz):
            idx = perm[b:b + bsz]
            k += 1
            x, gts, igs = det_batch(images, boxes, idx, rng, crop)
            cosine_lr(opt, 3e-3, step, total, 150)
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
        log(f"  detector epoch {ep + 1}/{crop_ep + full_ep} ({crop or 320}px) loss {tot[0] / k:.3f} "
            f"(obj {tot[1] / k:.3f}, giou {tot[2] / k:.3f}) {time.time() - t0:.0f}s")
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


def train_classifier(name, images, labels, nc, epochs, rng, rotate):
    model = nets.Classifier(nc).to(memory_format=torch.channels_last)
    n = len(images)
    bs = 64
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
            cosine_lr(opt, 3e-3, step, total, 100)
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


def update_readme(summary):
    path = os.path.join(HERE, "README.md")
    if not os.path.exists(path):
        return
    with open(path) as f:
        text = f.read()
    d, lc, rc = summary["lesion-detector"], summary["lesion-classifier"], summary["rash-classifier"]
    lines = [
        "<!-- metrics:start (written by train_all.py) -->",
        f"Measured on {summary['date']} ({summary['torch']}, {summary['threads']} CPU threads, 2-core machine): "
        f"the whole run took {summary['wallSeconds'] / 60:.1f} min wall clock and "
        f"{summary['cpuSeconds'] / 60:.1f} min of CPU time (data generation "
        f"{summary['cpuTimings']['data'] / 60:.1f} min CPU; training + evaluation: detector "
        f"{summary['cpuTimings']['lesion-detector'] / 60:.1f}, lesion classifier "
        f"{summary['cpuTimings']['lesion-classifier'] / 60:.1f}, rash classifier "
        f"{summary['cpuTimings']['rash-classifier'] / 60:.1f} min CPU). Wall time depends on what else "
        f"the machine is doing.",
        "",
        "| model | held-out synthetic set | result |",
        "| --- | --- | --- |",
        f"| lesion-detector | {d['heldOutImages']} images at native size (320-960 px wide), "
        f"{d['heldOutLesions']} lesions, {d['negativeImages']} lesion-free | "
        f"mAP@0.5 **{d['mAP50']:.3f}**, recall@0.5 **{d['recall50']:.3f}**, precision {d['precision50']:.3f} "
        f"(conf 0.25, NMS IoU 0.45); lesion-free images with any box: "
        f"{d['negativeImagesWithAnyBox']}/{d['negativeImages']} |",
        f"| lesion-classifier | {lc['heldOutSamples']} crops (15% padding, jittered box) | accuracy "
        f"**{lc['heldOutAccuracy']:.3f}**; with a loose crop (50% padding) {lc['looseCropAccuracy']:.3f} |",
        f"| rash-classifier | {rc['heldOutSamples']} whole images squashed to 128x128 | accuracy "
        f"**{rc['heldOutAccuracy']:.3f}** |",
        "",
        "Per-class accuracy:",
        "",
        "| model | " + " | ".join(["class", "accuracy"]) + " |",
        "| --- | --- | --- |",
    ]
    for mid in ("lesion-classifier", "rash-classifier"):
        for k, v in summary[mid]["perClassAccuracy"].items():
            lines.append(f"| {mid} | {k} | {v:.3f} |")
    lines.append("")
    lines.append(f"ONNX parity (onnxruntime-node vs torch): {summary['parity'].get('summary', 'not run')}")
    lines.append("<!-- metrics:end -->")
    block = "\n".join(lines)
    text = re.sub(r"<!-- metrics:start.*?<!-- metrics:end -->", lambda _m: block, text, flags=re.S)
    with open(path, "w") as f:
        f.write(text)


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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="tiny smoke run (writes to /tmp, not models/)")
    ap.add_argument("--no-cache", action="store_true", help="regenerate data even if cached")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--reuse-weights", action="store_true",
                    help="debugging: load weights saved by an earlier run in training/.cache instead of training")
    args = ap.parse_args()
    cfg = QUICK if args.quick else FULL
    global PARITY
    if args.quick:
        PARITY = PARITY + "-quick"
    models_dir = "/tmp/ddx-quick/models" if args.quick else MODELS
    samples_dir = "/tmp/ddx-quick/samples" if args.quick else SAMPLES
    os.makedirs(models_dir, exist_ok=True)
    torch.set_num_threads(2)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    t_start = time.time()
    c_start = cpu_seconds()
    timings = {}
    cpu = {}

    log("1/6 generating synthetic data")
    t0, c0 = time.time(), cpu_seconds()
    kw = dict(seed=SEED, workers=args.workers, use_cache=not args.no_cache, log=log)
    det_tr_x, det_tr_b = D.build("det_train", cfg["det_train"], **kw)
    det_te_x, det_te_b = D.build("det_test", cfg["det_test"], native=True, **kw)
    les_tr_x, les_tr_y = D.build("lesion_train", cfg["lesion_train"], **kw)
    les_te_x, les_te_y = D.build("lesion_test", cfg["lesion_test"], **kw)
    rash_tr_x, rash_tr_y = D.build("rash_train", cfg["rash_train"], **kw)
    rash_te_x, rash_te_y = D.build("rash_test", cfg["rash_test"], **kw)
    timings["data"] = time.time() - t0
    cpu["data"] = cpu_seconds() - c0
    log(f"  data ready in {timings['data']:.0f}s")

    log("2/6 training lesion-detector")
    t0, c0 = time.time(), cpu_seconds()
    det = trained("lesion-detector", lambda: train_detector(det_tr_x, det_tr_b, cfg, rng), lambda: nets.Detector(1),
                  args)
    det_export = nets.ExportDetector(det, 320).eval()
    det_m = eval_detector(det_export, det_te_x, det_te_b)
    timings["lesion-detector"] = time.time() - t0
    cpu["lesion-detector"] = cpu_seconds() - c0
    log(f"  detector: {det_m}")

    log("3/6 training lesion-classifier")
    t0, c0 = time.time(), cpu_seconds()
    les = trained("lesion-classifier", lambda: train_classifier("lesion-classifier", les_tr_x, les_tr_y, 5,
                                                                cfg["lesion_epochs"], rng, rotate=True),
                  lambda: nets.Classifier(5), args)
    acc_t, per_t, conf_t = cls_metrics(predict(les, les_te_x[:, 0]), les_te_y, S.LESION_LABELS)
    acc_l, per_l, conf_l = cls_metrics(predict(les, les_te_x[:, 1]), les_te_y, S.LESION_LABELS)
    timings["lesion-classifier"] = time.time() - t0
    cpu["lesion-classifier"] = cpu_seconds() - c0
    log(f"  lesion-classifier: tight {acc_t} {per_t}; loose {acc_l}")

    log("4/6 training rash-classifier")
    t0, c0 = time.time(), cpu_seconds()
    rash = trained("rash-classifier", lambda: train_classifier("rash-classifier", rash_tr_x, rash_tr_y, 4,
                                                               cfg["rash_epochs"], rng, rotate=True),
                   lambda: nets.Classifier(4), args)
    acc_r, per_r, conf_r = cls_metrics(predict(rash, rash_te_x), rash_te_y, S.RASH_LABELS)
    timings["rash-classifier"] = time.time() - t0
    cpu["rash-classifier"] = cpu_seconds() - c0
    log(f"  rash-classifier: {acc_r} {per_r}")

    log("5/6 exporting ONNX, model cards, samples")
    today = datetime.date.today().isoformat()
    framework = f"torch {torch_version()}"
    ops = {}
    ops["lesion-detector"] = export_onnx(det_export, torch.zeros(1, 3, 320, 320),
                                         os.path.join(models_dir, "lesion-detector.onnx"), "output0")
    ops["lesion-classifier"] = export_onnx(les, torch.zeros(1, 3, 128, 128),
                                           os.path.join(models_dir, "lesion-classifier.onnx"), "logits")
    ops["rash-classifier"] = export_onnx(rash, torch.zeros(1, 3, 128, 128),
                                         os.path.join(models_dir, "rash-classifier.onnx"), "logits")
    for k, v in ops.items():
        log(f"  {k} ops: {', '.join(v)}")

    cls_input = {"name": "images", "width": 128, "height": 128, "layout": "NCHW", "scale": 255,
                 "mean": list(nets.IMAGENET_MEAN), "std": list(nets.IMAGENET_STD), "resize": "stretch"}
    intended = ("Demonstration of the DDx Assist pipeline only. Trained on synthetic images; not validated on "
                "real patients; not for clinical use.")

    def training_block(epochs, n):
        return {"data": "synthetic (training/synthetic_skin.py)", "script": "training/train_all.py", "seed": SEED,
                "epochs": epochs, "trainSamples": n, "framework": framework, "exported": f"onnx opset {OPSET}",
                "date": today}

    cards = {
        "lesion-detector": {
            "id": "lesion-detector",
            "version": "1.0.0",
            "task": "detection",
            "description": "Demo one-class skin-lesion detector (YOLOv8-style output) trained on synthetic "
                           "images. Not for clinical use.",
            "labels": ["lesion"],
            "input": {"name": "images", "width": 320, "height": 320, "layout": "NCHW", "scale": 255,
                      "mean": [0, 0, 0], "std": [1, 1, 1], "resize": "letterbox", "padValue": 114},
            "output": {"name": "output0", "format": "yolov8"},
            "defaults": {"confidence": 0.25, "iou": 0.45},
            "icd10cm": {},
            "metrics": {"mAP50": det_m["mAP50"], "recall50": det_m["recall50"],
                        "heldOutImages": det_m["heldOutImages"]},
            "training": training_block(cfg["det_crop_epochs"] + cfg["det_full_epochs"], len(det_tr_x)),
            "intendedUse": intended,
        },
        "lesion-classifier": {
            "id": "lesion-classifier",
            "version": "1.0.0",
            "task": "classification",
            "description": "Demo lesion-type classifier trained on synthetic images. Not for clinical use.",
            "labels": list(S.LESION_LABELS),
            "input": cls_input,
            "output": {"name": "logits", "activation": "logits"},
            "icd10cm": {"melanocytic-nevus": ["D22.9"], "melanoma": ["C43.9"], "seborrheic-keratosis": ["L82.1"],
                        "basal-cell-carcinoma": ["C44.91"], "vascular-lesion": ["D18.01"]},
            "metrics": {"heldOutAccuracy": acc_t, "heldOutSamples": int(len(les_te_y)), "perClassAccuracy": per_t},
            "training": training_block(cfg["lesion_epochs"], len(les_tr_x)),
            "intendedUse": intended,
        },
        "rash-classifier": {
            "id": "rash-classifier",
            "version": "1.0.0",
            "task": "classification",
            "description": "Demo widespread-rash pattern classifier trained on synthetic images. "
                           "Not for clinical use.",
            "labels": list(S.RASH_LABELS),
            "input": dict(cls_input),
            "output": {"name": "logits", "activation": "logits"},
            "icd10cm": {"plaque-psoriasis": ["L40.0"], "urticaria": ["L50.9"], "morbilliform-eruption": ["R21"],
                        "petechial-purpuric-eruption": ["R23.3"]},
            "metrics": {"heldOutAccuracy": acc_r, "heldOutSamples": int(len(rash_te_y)), "perClassAccuracy": per_r},
            "training": training_block(cfg["rash_epochs"], len(rash_tr_x)),
            "intendedUse": intended,
        },
    }
    for mid, card in cards.items():
        write_json(os.path.join(models_dir, f"{mid}.card.json"), card)

    samples = make_samples.run(det_export, les, rash, samples_dir, log=log, max_tries=3 if args.quick else 80)

    log("6/6 ONNX parity check (onnxruntime-node)")
    cases = {}
    g = torch.Generator().manual_seed(SEED)
    smp = make_samples.parity_inputs(samples_dir, samples)
    cases["lesion-detector"] = [save_parity_case("lesion-detector-0", det_export, smp["detector"]),
                                save_parity_case("lesion-detector-1", det_export, torch.rand(2, 3, 320, 320,
                                                                                            generator=g))]
    cases["lesion-classifier"] = [save_parity_case("lesion-classifier-0", les, smp["lesion"]),
                                  save_parity_case("lesion-classifier-1", les, torch.randn(2, 3, 128, 128,
                                                                                          generator=g))]
    cases["rash-classifier"] = [save_parity_case("rash-classifier-0", rash, smp["rash"]),
                                save_parity_case("rash-classifier-1", rash, torch.randn(2, 3, 128, 128,
                                                                                       generator=g))]
    write_json(os.path.join(PARITY, "cases.json"), {"modelsDir": models_dir, "cases": cases})
    parity = run_node_check()

    wall = time.time() - t_start
    cpu_total = cpu_seconds() - c_start
    summary = {
        "date": today,
        "torch": framework,
        "threads": torch.get_num_threads(),
        "seed": SEED,
        "wallSeconds": round(wall, 1),
        "cpuSeconds": round(cpu_total, 1),
        "timings": {k: round(v, 1) for k, v in timings.items()},
        "cpuTimings": {k: round(v, 1) for k, v in cpu.items()},
        "config": cfg,
        "lesion-detector": det_m,
        "lesion-classifier": {"heldOutAccuracy": acc_t, "heldOutSamples": int(len(les_te_y)),
                              "perClassAccuracy": per_t, "confusion": conf_t, "looseCropAccuracy": acc_l,
                              "looseCropPerClassAccuracy": per_l, "looseCropConfusion": conf_l},
        "rash-classifier": {"heldOutAccuracy": acc_r, "heldOutSamples": int(len(rash_te_y)),
                            "perClassAccuracy": per_r, "confusion": conf_r},
        "samples": samples,
        "parity": parity,
    }
    if not args.quick:
        write_json(os.path.join(HERE, "metrics.json"), summary)
        update_readme(summary)
    log(json.dumps({k: summary[k] for k in ("lesion-detector", "lesion-classifier", "rash-classifier")}, indent=1))
    log(f"done in {wall / 60:.1f} min wall, {cpu_total / 60:.1f} min CPU")


if __name__ == "__main__":
    main()
