"""Synthetic data sets for the three demo models, generated in parallel and cached.

Every item is drawn from its own numpy Generator seeded with (seed, data set id,
item index), so a data set is the same whatever the number of worker processes.
"""
from __future__ import annotations

import hashlib
import math
import os
import time
from multiprocessing import get_context

import numpy as np
from PIL import Image

import synthetic_skin as S

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(HERE, ".cache")

DET_SIZE = 320
CLS_SIZE = 128


def _native_size(rng, lo=320, hi=960):
    """A photo size: width lo..hi, aspect ratio 9:16 .. 16:9."""
    w = int(rng.uniform(lo, hi))
    aspect = math.exp(rng.uniform(math.log(0.5625), math.log(1.78)))
    h = int(np.clip(w * aspect, 240, 1280))
    return w, h


# ---------------------------------------------------------------------------
# items (run in worker processes)
# ---------------------------------------------------------------------------


def det_item(args):
    """One letterboxed detector image and its boxes in input pixels (k, 4)."""
    seed, ds, idx, native = args
    rng = np.random.default_rng([seed, ds, idx])
    W, H = _native_size(rng)
    if native:
        w, h = W, H
    else:  # render at about the letterbox resolution (features are relative to image size)
        r = min(1.0, DET_SIZE / max(W, H))
        w, h = max(64, round(W * r)), max(64, round(H * r))
    u = rng.random()
    if u < 0.1:
        classes = []  # negatives: skin, freckles, hair, pen marks, background, no lesion
    elif u < 0.82:
        classes = [int(rng.integers(0, 5))]
    else:
        classes = [int(rng.integers(0, 5)), int(rng.integers(0, 5))]
    v = rng.random()
    size_px = None
    size_scale = (1.0, 1.0)
    if classes and v < 0.18:  # macro close-up: one lesion filling 30-70% of the frame
        classes = classes[:1]
        size_px = min(w, h) * rng.uniform(0.3, 0.7)
    elif v < 0.33:  # close-up
        size_scale = (1.5, 2.2)
    img, boxes = S.render_localized(rng, w, h, classes=classes, size_scale=size_scale, size_px=size_px)
    lb, r, px, py = S.letterbox(img, DET_SIZE)
    b = np.array([[x0 * r + px, y0 * r + py, x1 * r + px, y1 * r + py] for x0, y0, x1, y1, _ in boxes],
                 np.float32).reshape(-1, 4)
    return lb, b


def lesion_scene(rng, cls):
    """A close-up photo with one lesion of class `cls`; returns (image, box)."""
    while True:
        lesion_px = math.exp(rng.uniform(math.log(26), math.log(140)))
        w = int(max(96, lesion_px * rng.uniform(2.2, 4.5)))
        h = int(max(96, w * math.exp(rng.uniform(math.log(0.75), math.log(1.33)))))
        h = max(h, int(lesion_px * 2.2))
        img, boxes = S.render_localized(rng, w, h, classes=[cls], size_px=lesion_px,
                                        background=bool(rng.random() < 0.1))
        if boxes:
            return img, boxes[0][:4]


def jitter_box(rng, box, sigma):
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    j = rng.normal(0, sigma, 4)
    return (x0 + j[0] * bw, y0 + j[1] * bh, max(x0 + j[0] * bw + 2, x1 + j[2] * bw),
            max(y0 + j[1] * bh + 2, y1 + j[3] * bh))


def lesion_cls_item(args):
    """Training crop: the lesion box jittered, padded (mostly ~15%, sometimes loose), stretched to 128."""
    seed, ds, idx, _ = args
    rng = np.random.default_rng([seed, ds, idx])
    cls = idx % 5
    img, box = lesion_scene(rng, cls)
    pad = rng.uniform(0.05, 0.3) if rng.random() < 0.7 else rng.uniform(0.3, 0.8)
    crop = S.padded_crop(img, jitter_box(rng, box, 0.07), pad, CLS_SIZE)
    return crop, cls


def lesion_cls_test_item(args):
    """Held-out: a tight-ish crop (15% pad, small jitter) and a loose crop (50% pad) of one lesion."""
    seed, ds, idx, _ = args
    rng = np.random.default_rng([seed, ds, idx])
    cls = idx % 5
    img, box = lesion_scene(rng, cls)
    tight = S.padded_crop(img, jitter_box(rng, box, 0.04), 0.15, CLS_SIZE)
    loose = S.padded_crop(img, jitter_box(rng, box, 0.04), 0.5, CLS_SIZE)
    return np.stack([tight, loose]), cls


def rash_item(args):
    """A whole widespread-rash photo squashed to 128x128."""
    seed, ds, idx, _ = args
    rng = np.random.default_rng([seed, ds, idx])
    cls = idx % 4
    w, h = _native_size(rng, 176, 352)
    img = S.render_widespread(rng, w, h, cls)
    return np.asarray(Image.fromarray(img).resize((CLS_SIZE, CLS_SIZE), Image.BILINEAR)), cls


# ---------------------------------------------------------------------------
# pooled generation + cache
# ---------------------------------------------------------------------------

_DS_IDS = {"det_train": 101, "det_test": 102, "lesion_train": 201, "lesion_test": 202, "rash_train": 301,
           "rash_test": 302}
_FUNCS = {"det_train": det_item, "det_test": det_item, "lesion_train": lesion_cls_item,
          "lesion_test": lesion_cls_test_item, "rash_train": rash_item, "rash_test": rash_item}


def _source_hash():
    h = hashlib.sha1()
    for f in ("synthetic_skin.py", "datasets.py"):
        with open(os.path.join(HERE, f), "rb") as fh:
            h.update(fh.read())
    return h.hexdigest()[:12]


def build(name, n, seed, workers=2, native=False, use_cache=True, log=print):
    """Generate (or load from training/.cache) data set `name` with n items."""
    key = f"{name}-{n}-{seed}-{int(native)}-{_source_hash()}"
    path = os.path.join(CACHE, key + ".npz")
    if use_cache and os.path.exists(path):
        z = np.load(path, allow_pickle=False)
        if name.startswith("det"):
            offs = z["offsets"]
            boxes = [z["boxes"][offs[i]:offs[i + 1]] for i in range(n)]
            return z["images"], boxes
        return z["images"], z["labels"]
    t0 = time.time()
    ds = _DS_IDS[name]
    fn = _FUNCS[name]
    args = [(seed, ds, i, native) for i in range(n)]
    if workers > 1:
        with get_context("fork").Pool(workers) as pool:
            items = pool.map(fn, args, chunksize=16)
    else:
        items = [fn(a) for a in args]
    images = np.stack([it[0] for it in items])
    os.makedirs(CACHE, exist_ok=True)
    if name.startswith("det"):
        boxes = [it[1] for it in items]
        offs = np.cumsum([0] + [len(b) for b in boxes])
        allb = np.concatenate(boxes) if offs[-1] else np.zeros((0, 4), np.float32)
        if use_cache:
            np.savez(path, images=images, boxes=allb, offsets=offs)
        out = (images, boxes)
    else:
        labels = np.array([it[1] for it in items], np.int64)
        if use_cache:
            np.savez(path, images=images, labels=labels)
        out = (images, labels)
    log(f"  generated {name}: {n} items in {time.time() - t0:.1f}s")
    return out
