"""Render the image sets the assessment's thresholds are fitted on and measured with.

Never derm-eval: every image here is drawn by the project (issue 10: "fitted on data the
project makes"). Written outside the repository (the folder given), with a labels.csv shaped like
derm-eval's (file, dx, box fractions) plus metadata columns (`set`, `kind`, `quality`):

  synthetic-<split>/  held-out synthetic lesion photos (training/synthetic_skin.py, seeds the
                      training sets never use) and widespread-rash photos; in the `fit` split also
                      degraded copies (blurred, over- and under-exposed) and dermatoscope-style
                      vignetted copies (usable: dermoscopy photos have a dark rim), and
                      domain-randomised lesion scenes (training/domain_random.py: dermoscopy
                      fields of view, apertures, colour casts, hair, gel, clinical close-ups and
                      distant photos; quality `randomised`), in scope though harder
  nonskin-<split>/    rendered scenes that are not skin: landscapes, buildings, documents, charts,
                      textures, radiograph-like greyscale frames, animals, food, flags

Run: /usr/bin/python3 scripts/assessment/render_fitting_sets.py /tmp/ddx-sets [--lesions 200]
"""
from __future__ import annotations

import argparse
import csv
import math
import os
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "training"))
import datasets as D  # noqa: E402
import synthetic_skin as S  # noqa: E402

LESION_LABELS = ["melanocytic-nevus", "melanoma", "seborrheic-keratosis", "basal-cell-carcinoma", "vascular-lesion"]
RASH_LABELS = ["plaque-psoriasis", "urticaria", "morbilliform-eruption", "petechial-purpuric-eruption"]
# Data set ids no training set uses (training/datasets.py uses 101..302).
SPLIT_IDS = {"fit": 901, "test": 902}
SEED = 7


def native_size(rng, lo=360, hi=900):
    w = int(rng.uniform(lo, hi))
    h = int(np.clip(w * math.exp(rng.uniform(math.log(0.66), math.log(1.5))), 240, 1200))
    return w, h


def lesion_photo(rng, cls):
    w, h = native_size(rng)
    while True:
        size_px = min(w, h) * rng.uniform(0.12, 0.45)
        img, boxes = S.render_localized(rng, w, h, classes=[cls], size_px=size_px)
        if boxes:
            x0, y0, x1, y1, _ = boxes[0]
            return img, (x0 / w, y0 / h, x1 / w, y1 / h)


def rash_photo(rng, cls):
    w, h = native_size(rng, 300, 700)
    return S.render_widespread(rng, w, h, cls)


def randomised_lesion_photo(rng, index, cls):
    """A domain-randomised scene with one lesion of class `cls`, and its box as fractions."""
    w, h = native_size(rng)
    while True:
        img, boxes = D.localized_scene(rng, index, w, h, classes=[cls])
        if boxes:
            x0, y0, x1, y1, _ = boxes[0]
            ih, iw = img.shape[:2]
            return img, [f"{v:.4f}" for v in (x0 / iw, y0 / ih, x1 / iw, y1 / ih)]


def blurred(rng, img):
    return np.asarray(Image.fromarray(img).filter(ImageFilter.GaussianBlur(rng.uniform(4, 9) * max(img.shape[:2]) / 512)))


def exposed(img, gain, lift):
    return np.clip(img.astype(np.float32) * gain + lift, 0, 255).astype(np.uint8)


def vignetted(rng, img):
    """A dermatoscope's round field of view: black outside a centred circle."""
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    r = rng.uniform(0.5, 0.62) * math.hypot(w, h) / 1.0 * 0.75
    inside = (xx - w / 2) ** 2 + (yy - h / 2) ** 2 <= r * r
    out = img.copy()
    out[~inside] = (rng.uniform(0, 12, 3)).astype(np.uint8)
    return out


# --------------------------------------------------------------------------- non-skin scenes

def _rgb(rng, lo=0, hi=255):
    return tuple(int(v) for v in rng.uniform(lo, hi, 3))


def scene_landscape(rng, w, h):
    img = Image.new("RGB", (w, h))
    d = ImageDraw.Draw(img)
    horizon = int(h * rng.uniform(0.35, 0.7))
    top, bottom = np.array([rng.uniform(60, 140), rng.uniform(120, 190), rng.uniform(200, 255)]), np.array([200, 220, 240])
    for y in range(horizon):
        t = y / max(1, horizon)
        d.line([(0, y), (w, y)], fill=tuple(int(v) for v in top * (1 - t) + bottom * t))
    ground = _rgb(rng, 20, 140) if rng.random() < 0.5 else (int(rng.uniform(30, 90)), int(rng.uniform(90, 160)), int(rng.uniform(20, 70)))
    d.rectangle([0, horizon, w, h], fill=ground)
    for _ in range(int(rng.integers(2, 7))):  # hills / trees
        x, r = rng.uniform(0, w), rng.uniform(0.05, 0.25) * w
        d.ellipse([x - r, horizon - r * 0.5, x + r, horizon + r * 0.5], fill=(int(rng.uniform(20, 70)), int(rng.uniform(70, 140)), int(rng.uniform(20, 60))))
    if rng.random() < 0.5:
        sx, sy, sr = rng.uniform(0, w), rng.uniform(0, horizon * 0.6), rng.uniform(10, 40)
        d.ellipse([sx - sr, sy - sr, sx + sr, sy + sr], fill=(255, 240, 180))
    return img


def scene_buildings(rng, w, h):
    img = Image.new("RGB", (w, h), _rgb(rng, 120, 220))
    d = ImageDraw.Draw(img)
    x = 0
    while x < w:
        bw, bh = rng.uniform(0.08, 0.25) * w, rng.uniform(0.3, 0.9) * h
        colour = _rgb(rng, 40, 200)
        d.rectangle([x, h - bh, x + bw, h], fill=colour)
        for wy in np.arange(h - bh + 8, h - 8, 18):
            for wx in np.arange(x + 5, x + bw - 8, 14):
                d.rectangle([wx, wy, wx + 7, wy + 9], fill=(255, 230, 120) if rng.random() < 0.4 else (40, 50, 60))
        x += bw + rng.uniform(0, 12)
    return img


def scene_document(rng, w, h):
    img = Image.new("RGB", (w, h), tuple(int(v) for v in rng.uniform(225, 255, 3)))
    d = ImageDraw.Draw(img)
    y = rng.uniform(10, 40)
    while y < h - 20:
        x = rng.uniform(10, 40)
        while x < w - 30:
            word = rng.uniform(10, 60)
            d.rectangle([x, y, x + word, y + rng.uniform(5, 9)], fill=_rgb(rng, 0, 70))
            x += word + rng.uniform(4, 10)
        y += rng.uniform(14, 24)
    return img


def scene_chart(rng, w, h):
    img = Image.new("RGB", (w, h), (255, 255, 255))
    d = ImageDraw.Draw(img)
    n = int(rng.integers(3, 12))
    for i in range(n):
        bh = rng.uniform(0.1, 0.85) * h
        d.rectangle([i * w / n + 4, h - bh, (i + 1) * w / n - 4, h - 10], fill=_rgb(rng))
    d.line([(10, 10), (10, h - 10), (w - 10, h - 10)], fill=(0, 0, 0), width=2)
    return img


def scene_texture(rng, w, h):
    field = S.fbm(rng, h, w, cell=rng.uniform(0.03, 0.2), octaves=4)
    a, b = np.array(_rgb(rng)), np.array(_rgb(rng))
    img = a[None, None, :] * (1 - field[..., None]) + b[None, None, :] * field[..., None]
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


def scene_radiograph(rng, w, h):
    img = Image.new("L", (w, h), int(rng.uniform(0, 30)))
    d = ImageDraw.Draw(img)
    cx, cy = w / 2, h / 2
    rx, ry = rng.uniform(0.3, 0.48) * w, rng.uniform(0.3, 0.48) * h
    d.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=int(rng.uniform(70, 130)))
    for _ in range(int(rng.integers(3, 10))):
        x, y, r = rng.uniform(cx - rx, cx + rx), rng.uniform(cy - ry, cy + ry), rng.uniform(5, 0.2 * w)
        d.ellipse([x - r, y - r, x + r, y + r], fill=int(rng.uniform(20, 255)))
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 2)))
    arr = np.asarray(img, np.float32) + rng.normal(0, rng.uniform(2, 12), (h, w))
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).convert("RGB")


def scene_animal(rng, w, h):
    """A furry animal on a floor or lawn: brown-orange fur is the hardest case for a colour rule."""
    img = scene_texture(rng, w, h) if rng.random() < 0.5 else Image.new("RGB", (w, h), _rgb(rng, 40, 200))
    fur = np.array([rng.uniform(90, 220), rng.uniform(50, 150), rng.uniform(10, 90)])
    if rng.random() < 0.35:
        fur = np.array([rng.uniform(10, 80)] * 3) + rng.uniform(0, 20, 3)  # black or grey cat
    body = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(body)
    cx, cy = w * rng.uniform(0.35, 0.65), h * rng.uniform(0.45, 0.7)
    rx, ry = w * rng.uniform(0.2, 0.35), h * rng.uniform(0.15, 0.25)
    d.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=255)
    hx, hy, hr = cx + rx * 0.8, cy - ry * 1.1, min(w, h) * rng.uniform(0.1, 0.16)
    d.ellipse([hx - hr, hy - hr, hx + hr, hy + hr], fill=255)
    d.polygon([(hx - hr, hy - hr * 0.3), (hx - hr * 0.6, hy - hr * 1.7), (hx - hr * 0.1, hy - hr * 0.8)], fill=255)
    d.polygon([(hx + hr, hy - hr * 0.3), (hx + hr * 0.6, hy - hr * 1.7), (hx + hr * 0.1, hy - hr * 0.8)], fill=255)
    stripes = S.fbm(rng, h, w, cell=0.02, octaves=3)
    coat = np.clip(fur[None, None, :] * (0.6 + 0.6 * stripes[..., None]), 0, 255)
    mask = np.asarray(body.filter(ImageFilter.GaussianBlur(2)), np.float32)[..., None] / 255
    out = np.asarray(img, np.float32) * (1 - mask) + coat * mask
    return Image.fromarray(out.astype(np.uint8))


def scene_food(rng, w, h):
    img = Image.new("RGB", (w, h), _rgb(rng, 150, 255))
    d = ImageDraw.Draw(img)
    cx, cy, r = w / 2, h / 2, min(w, h) * 0.42
    d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(245, 245, 245))
    for _ in range(int(rng.integers(4, 14))):
        x, y, s = rng.uniform(cx - r * 0.7, cx + r * 0.7), rng.uniform(cy - r * 0.7, cy + r * 0.7), rng.uniform(10, r * 0.4)
        d.ellipse([x - s, y - s * 0.7, x + s, y + s * 0.7], fill=_rgb(rng))
    return img


def scene_flag(rng, w, h):
    img = Image.new("RGB", (w, h))
    d = ImageDraw.Draw(img)
    n = int(rng.integers(2, 5))
    vertical = rng.random() < 0.5
    for i in range(n):
        box = [i * w / n, 0, (i + 1) * w / n, h] if vertical else [0, i * h / n, w, (i + 1) * h / n]
        d.rectangle(box, fill=_rgb(rng))
    return img


SCENES = [scene_landscape, scene_buildings, scene_document, scene_chart, scene_texture, scene_radiograph,
          scene_animal, scene_food, scene_flag]


def photo_camera(rng, img):
    """The same camera model as the skin photos: noise, slight blur, JPEG."""
    arr = np.asarray(img, np.float32) / 255.0
    return S.camera(rng, arr)


def save(folder, name, arr, quality=90):
    Image.fromarray(arr).save(os.path.join(folder, name), quality=quality)


def render(out, split, lesions, rashes, nonskin, randomised):
    split_id = SPLIT_IDS[split]
    syn = os.path.join(out, f"synthetic-{split}")
    non = os.path.join(out, f"nonskin-{split}")
    os.makedirs(syn, exist_ok=True)
    os.makedirs(non, exist_ok=True)
    rows = []
    for i in range(lesions):
        rng = np.random.default_rng([SEED, split_id, 1, i])
        cls = i % 5
        img, box = lesion_photo(rng, cls)
        name = f"lesion-{i:04d}.jpg"
        save(syn, name, img)
        rows.append([name, LESION_LABELS[cls], *[f"{v:.4f}" for v in box], "synthetic", "lesion", "good"])
        if split == "fit" and i % 2 == 0:
            variants = [("blurred", blurred(rng, img)), ("over", exposed(img, rng.uniform(2.2, 3.5), 60)),
                        ("under", exposed(img, rng.uniform(0.05, 0.14), 0)), ("vignette", vignetted(rng, img))]
            for quality, variant in variants:
                vname = f"lesion-{i:04d}-{quality}.jpg"
                save(syn, vname, variant)
                rows.append([vname, LESION_LABELS[cls], *[f"{v:.4f}" for v in box], "synthetic", "lesion", quality])
    for i in range(randomised):
        rng = np.random.default_rng([SEED, split_id, 4, i])
        cls = i % 5
        img, boxes = randomised_lesion_photo(rng, i, cls)
        name = f"randomised-{i:04d}.jpg"
        save(syn, name, img)
        rows.append([name, LESION_LABELS[cls], *boxes, "synthetic", "lesion", "randomised"])
    for i in range(rashes):
        rng = np.random.default_rng([SEED, split_id, 2, i])
        cls = i % 4
        img = rash_photo(rng, cls)
        name = f"rash-{i:04d}.jpg"
        save(syn, name, img)
        rows.append([name, RASH_LABELS[cls], "", "", "", "", "synthetic", "rash", "good"])
    if split == "fit":
        # The fit split states its extent, so each classifier is fitted on what it is routed.
        for row in rows:
            extent = "localized" if row[7] == "lesion" else "widespread"
            with open(os.path.join(syn, row[0] + ".meta.json"), "w") as f:
                f.write('{"extent": "%s"}\n' % extent)
    with open(os.path.join(syn, "labels.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["file", "dx", "x_min", "y_min", "x_max", "y_max", "set", "kind", "quality"])
        writer.writerows(rows)
    rows = []
    for i in range(nonskin):
        rng = np.random.default_rng([SEED, split_id, 3, i])
        scene = SCENES[i % len(SCENES)]
        w, h = native_size(rng, 320, 900)
        img = photo_camera(rng, scene(rng, w, h))
        name = f"{scene.__name__.removeprefix('scene_')}-{i:04d}.jpg"
        save(non, name, img)
        rows.append([name, "not-skin", "rendered", scene.__name__.removeprefix("scene_")])
    with open(os.path.join(non, "labels.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["file", "dx", "set", "kind"])
        writer.writerows(rows)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--lesions", type=int, default=200)
    parser.add_argument("--rashes", type=int, default=100)
    parser.add_argument("--nonskin", type=int, default=180)
    parser.add_argument("--randomised", type=int, default=200)
    args = parser.parse_args()
    for split in ("fit", "test"):
        render(args.out, split, args.lesions, args.rashes, args.nonskin, args.randomised)
        print(f"rendered {split}", flush=True)


if __name__ == "__main__":
    main()
