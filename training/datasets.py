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

import domain_random as R
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


def _stretch(img, boxes, w, h):
    """Resize to w x h without keeping the aspect (as some exports do: derm-eval's 600x450 -> 640x640)."""
    H, W = img.shape[:2]
    out = np.asarray(Image.fromarray(img).resize((w, h), Image.BILINEAR))
    sx, sy = w / W, h / H
    return out, [(b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy) + tuple(b[4:]) for b in boxes]


def localized_scene(rng, idx, W, H, classes=None):
    """One localized scene of the domain-randomised mix (uint8 image, boxes with class).

    Mix: 50% dermoscopy (lesions 5-90% of the frame), 35% clinical close-ups, 15% phone photos
    at a distance; skin types I-VI in turn by index. classes=[] gives a lesion-free scene.
    """
    tone = R.fitzpatrick(idx, rng)
    u = rng.random()
    if classes is None:
        classes = [int(rng.integers(0, 5))] if rng.random() < 0.85 else [int(rng.integers(0, 5)),
                                                                          int(rng.integers(0, 5))]
    if u < 0.5:
        # dermatoscopes give 4:3 or square frames; half of them stretched to a square
        a = rng.choice([0.75, 1.0, 0.667])
        w = W
        h = max(64, int(w * a))
        img, boxes = R.dermoscopy_scene(rng, w, h, classes[0] if classes else None, tone)
        if rng.random() < 0.5 and h != w:
            img, boxes = _stretch(img, boxes, w, w)
        return img, boxes
    if u < 0.85:
        v = rng.random()
        if classes and v < 0.25:  # macro close-up: one lesion filling 30-70% of the frame
            return R.clinical_scene(rng, W, H, classes[:1], tone, size_px=min(W, H) * rng.uniform(0.3, 0.7))
        return R.clinical_scene(rng, W, H, classes, tone, size_scale=(1.5, 2.2) if v < 0.45 else (1.0, 1.0))
    return R.distant_scene(rng, W, H, classes, tone)


def det_item(args):
    """One letterboxed detector image and its boxes in input pixels (k, 4)."""
    seed, ds, idx, native = args
    rng = np.random.default_rng([seed, ds, idx])
    W, H = _native_size(rng)
    if not native:  # render at about the letterbox resolution (features are relative to image size)
        r = min(1.0, DET_SIZE / max(W, H))
        W, H = max(64, round(W * r)), max(64, round(H * r))
    # 10% negatives: skin with pen marks, rulers, bubbles, hair, freckles, and no lesion
    img, boxes = localized_scene(rng, idx, W, H, classes=[] if rng.random() < 0.1 else None)
    lb, r, px, py = S.letterbox(img, DET_SIZE)
    b = np.array([[x0 * r + px, y0 * r + py, x1 * r + px, y1 * r + py] for x0, y0, x1, y1, _ in boxes],
                 np.float32).reshape(-1, 4)
    return lb, b


def lesion_scene(rng, cls, idx):
    """A photo with one lesion of class `cls` (dermoscopy or clinical close-up); returns (image, box)."""
    while True:
        if rng.random() < 0.5:
            side = int(rng.uniform(160, 320))
            img, boxes = R.dermoscopy_scene(rng, side, int(side * rng.choice([0.75, 1.0])), cls, R.fitzpatrick(idx, rng))
        else:
            lesion_px = math.exp(rng.uniform(math.log(26), math.log(140)))
            w = int(max(96, lesion_px * rng.uniform(2.2, 4.5)))
            h = int(max(96, w * math.exp(rng.uniform(math.log(0.75), math.log(1.33)))))
            h = max(h, int(lesion_px * 2.2))
            img, boxes = R.clinical_scene(rng, w, h, [cls], R.fitzpatrick(idx, rng), size_px=lesion_px)
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
    img, box = lesion_scene(rng, cls, idx // 5)
    pad = rng.uniform(0.05, 0.3) if rng.random() < 0.7 else rng.uniform(0.3, 0.8)
    crop = S.padded_crop(img, jitter_box(rng, box, 0.07), pad, CLS_SIZE)
    return crop, cls


def lesion_cls_test_item(args):
    """Held-out: a tight-ish crop (15% pad, small jitter) and a loose crop (50% pad) of one lesion."""
    seed, ds, idx, _ = args
    rng = np.random.default_rng([seed, ds, idx])
    cls = idx % 5
    img, box = lesion_scene(rng, cls, idx // 5)
    tight = S.padded_crop(img, jitter_box(rng, box, 0.04), 0.15, CLS_SIZE)
    loose = S.padded_crop(img, jitter_box(rng, box, 0.04), 0.5, CLS_SIZE)
    return np.stack([tight, loose]), cls


def rash_item(args):
    """A whole widespread-rash photo squashed to 128x128."""
    seed, ds, idx, _ = args
    rng = np.random.default_rng([seed, ds, idx])
    cls = idx % 4
    w, h = _native_size(rng, 176, 352)
    img = R.widespread_scene(rng, w, h, cls, R.fitzpatrick(idx // 4, rng))
    return np.asarray(Image.fromarray(img).resize((CLS_SIZE, CLS_SIZE), Image.BILINEAR)), cls


def extent_item(args):
    """Localized (0) or widespread (1) photo, whole image squashed to 128x128."""
    seed, ds, idx, _ = args
    rng = np.random.default_rng([seed, ds, idx])
    cls = idx % 2
    w, h = _native_size(rng, 176, 352)
    if cls == 0:
        img, _ = localized_scene(rng, idx // 2, w, h)
    else:
        img = R.widespread_scene(rng, w, h, int(rng.integers(0, 4)), R.fitzpatrick(idx // 2, rng))
    return np.asarray(Image.fromarray(img).resize((CLS_SIZE, CLS_SIZE), Image.BILINEAR)), cls


def non_skin_item(args):
    """An image that is not a skin photo, squashed to 128x128 (label -1: out of distribution)."""
    seed, ds, idx, _ = args
    rng = np.random.default_rng([seed, ds, idx])
    w, h = _native_size(rng, 176, 352)
    return np.asarray(Image.fromarray(R.non_skin(rng, w, h)).resize((CLS_SIZE, CLS_SIZE), Image.BILINEAR)), -1


# ---------------------------------------------------------------------------
# pooled generation + cache
# ---------------------------------------------------------------------------

_DS_IDS = {"det_train": 111, "det_test": 112, "lesion_train": 211, "lesion_test": 212, "rash_train": 311,
           "rash_test": 312, "extent_train": 401, "extent_test": 402, "non_skin": 501}
_FUNCS = {"det_train": det_item, "det_test": det_item, "lesion_train": lesion_cls_item,
          "lesion_test": lesion_cls_test_item, "rash_train": rash_item, "rash_test": rash_item,
          "extent_train": extent_item, "extent_test": extent_item, "non_skin": non_skin_item}


def _source_hash():
    h = hashlib.sha1()
    for f in ("synthetic_skin.py", "domain_random.py", "datasets.py"):
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
