"""Synthetic dermatology images for the DDx Assist demo models.

Everything here is drawn procedurally with numpy and Pillow: no photographs,
no downloads. The images are crude caricatures of clinical photos, good
enough to exercise the pipeline (detector -> crop -> classifier) end to end,
and nothing more. They are NOT a substitute for real clinical data.

Two kinds of scene:

* localized: skin (Fitzpatrick-like tones I-VI, pores, creases, freckles,
  hair, lighting, sometimes a body edge against a background or a
  surgical-marker ring) with one or two lesions of five morphologies
  (LESION_LABELS). Returns the image and the tight lesion boxes.
* widespread: the whole image is skin carrying one of four rash patterns
  (RASH_LABELS).

All sizes are relative to the image size, so a scene can be rendered at any
resolution. Every function takes a numpy Generator: a fixed seed gives the
same image.
"""
from __future__ import annotations

import io
import math
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

LESION_LABELS = [
    "melanocytic-nevus",
    "melanoma",
    "seborrheic-keratosis",
    "basal-cell-carcinoma",
    "vascular-lesion",
]
RASH_LABELS = [
    "plaque-psoriasis",
    "urticaria",
    "morbilliform-eruption",
    "petechial-purpuric-eruption",
]

F32 = np.float32

# Fitzpatrick-like base skin colours (sRGB 0..1), I (lightest) .. VI (darkest)
SKIN_TONES = np.array(
    [
        [246, 216, 198],
        [234, 192, 164],
        [214, 164, 126],
        [178, 126, 88],
        [128, 86, 58],
        [84, 56, 40],
    ],
    dtype=F32,
) / 255.0


# ---------------------------------------------------------------------------
# low-level helpers
# ---------------------------------------------------------------------------


@lru_cache(maxsize=2048)
def _interp_taps(n_in: int, n_out: int):
    """Indices (4, n_out) and cubic B-spline weights (4, n_out) for a smooth upsample."""
    pos = (np.arange(n_out, dtype=np.float64) + 0.5) * (n_in - 3) / n_out + 1.0
    i0 = np.floor(pos).astype(np.int64) - 1
    idx = np.stack([np.clip(i0 + k, 0, n_in - 1) for k in range(4)])
    d = np.abs(pos[None, :] - (i0[None, :] + np.arange(4)[:, None]))
    w = np.where(d < 1, 2.0 / 3 - d**2 + d**3 / 2, np.where(d < 2, (2 - d) ** 3 / 6, 0.0))
    w /= w.sum(axis=0, keepdims=True)
    return idx, w.astype(F32)


@lru_cache(maxsize=4096)
def _interp_dense(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) matrix form of _interp_taps, for small grids."""
    idx, w = _interp_taps(n_in, n_out)
    m = np.zeros((n_out, n_in), F32)
    cols = np.arange(n_out)
    for k in range(4):
        np.add.at(m, (cols, idx[k]), w[k])
    return m


def upsample(a: np.ndarray, h: int, w: int) -> np.ndarray:
    """Smoothly upsample a small 2-D array to (h, w) (separable cubic B-spline)."""
    a = a.astype(F32)
    if a.shape[0] <= 48 and a.shape[1] <= 48:  # coarse grid: two small matrix products
        return _interp_dense(a.shape[0], h) @ a @ _interp_dense(a.shape[1], w).T
    iy, wy = _interp_taps(a.shape[0], h)
    t = a[iy[0]] * wy[0][:, None]
    for k in range(1, 4):
        t += a[iy[k]] * wy[k][:, None]
    ix, wx = _interp_taps(a.shape[1], w)
    out = t[:, ix[0]] * wx[0]
    for k in range(1, 4):
        out += t[:, ix[k]] * wx[k]
    return out


def noise(rng, h: int, w: int, cell: float) -> np.ndarray:
    """Smooth value noise in about [-1, 1] with features of ~cell pixels."""
    cell = max(cell, 1.5)
    gh = int(math.ceil(h / cell)) + 4
    gw = int(math.ceil(w / cell)) + 4
    g = rng.standard_normal((gh, gw)).astype(F32)
    return upsample(g, h, w) * 2.2


def fbm(rng, h, w, cell, octaves=3, gain=0.5):
    out = np.zeros((h, w), F32)
    amp, tot = 1.0, 0.0
    for _ in range(octaves):
        out += amp * noise(rng, h, w, cell)
        tot += amp
        cell /= 2.0
        amp *= gain
    return out / tot


def smoothstep(e0, e1, x):
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def blend(img, color, alpha):
    """In place: img (h,w,3) <- img*(1-a) + color*a ; color broadcastable to img."""
    a = alpha[..., None] if alpha.ndim == 2 else alpha
    d = np.subtract(np.asarray(color, F32), img)
    d *= a
    img += d
    return img


def lum(c):
    c = np.asarray(c, F32)
    return float(0.3 * c[0] + 0.59 * c[1] + 0.11 * c[2])


def mix(a, b, t):
    a = np.asarray(a, F32)
    b = np.asarray(b, F32)
    return a * (1 - t) + b * t


def to_uint8(img):
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)


def jpeg_roundtrip(arr_u8, quality):
    buf = io.BytesIO()
    Image.fromarray(arr_u8).save(buf, format="JPEG", quality=int(quality))
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("RGB"))


def stroke_layer(h, w, strokes, blur=0.0):
    """Draw polylines [(points, width, opacity)] on an L layer, return float alpha."""
    layer = Image.new("L", (w, h), 0)
    dr = ImageDraw.Draw(layer)
    for pts, width, op in strokes:
        dr.line(pts, fill=int(255 * op), width=max(1, int(round(width))), joint="curve")
    if blur > 0:
        layer = layer.filter(ImageFilter.GaussianBlur(blur))
    return np.asarray(layer, dtype=F32) / 255.0


def dot_layer(h, w, dots, blur=0.0):
    """Draw filled ellipses [(cx, cy, rx, ry, opacity)] on an L layer."""
    layer = Image.new("L", (w, h), 0)
    dr = ImageDraw.Draw(layer)
    for cx, cy, rx, ry, op in dots:
        if rx < 0.7 and ry < 0.7:
            dr.point((cx, cy), fill=int(255 * op * max(rx, 0.3) / 0.7))
        else:
            dr.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=int(255 * op))
    if blur > 0:
        layer = layer.filter(ImageFilter.GaussianBlur(blur))
    return np.asarray(layer, dtype=F32) / 255.0


def random_walk(rng, x, y, step, n, heading=None, turn=0.35):
    heading = rng.uniform(0, 2 * math.pi) if heading is None else heading
    pts = [(x, y)]
    for _ in range(n):
        heading += rng.normal(0, turn)
        x += step * math.cos(heading)
        y += step * math.sin(heading)
        pts.append((x, y))
    return pts, heading


# ---------------------------------------------------------------------------
# skin
# ---------------------------------------------------------------------------


def sample_skin_color(rng, tone=None):
    """Return (base rgb, tone index 0..5 as float)."""
    if tone is None:
        tone = rng.uniform(0, 5)
    i = int(min(math.floor(tone), 4))
    t = tone - i
    c = SKIN_TONES[i] * (1 - t) + SKIN_TONES[i + 1] * t
    # individual variation: redness / yellowness / brightness
    ry = rng.normal(0, 1)  # redder (+) vs more yellow (-)
    c = c * np.array([1 + 0.02 * ry, 1 - 0.01 * ry + rng.normal(0, 0.012), 1 - 0.01 * ry + rng.normal(0, 0.03)], F32)
    c = c * (1 + rng.normal(0, 0.04))
    return np.clip(c, 0.05, 1.0).astype(F32), float(tone)


def skin_background(rng, h, w, base, tone, detail=1.0):
    """Textured skin of colour `base`. Returns float32 (h,w,3)."""
    s = min(h, w)
    # redness mottling (colour) and a luminance gain map (everything else)
    red = smoothstep(0.1, 1.2, fbm(rng, h, w, s * rng.uniform(0.08, 0.2), octaves=2))
    red *= rng.uniform(0.0, 0.22) * (1.0 - tone / 7.0)
    gain = 1 + 0.05 * fbm(rng, h, w, s * rng.uniform(0.25, 0.6), octaves=3)
    gain += rng.uniform(0.015, 0.045) * fbm(rng, h, w, s * rng.uniform(0.02, 0.05), octaves=2)
    px = max(1.0, s / 300.0)
    gain += 0.025 * detail * noise(rng, h, w, px * rng.uniform(1.2, 2.2))
    # pores
    n_pores = int(h * w / (px * px) * rng.uniform(0.002, 0.008) * detail)
    if n_pores:
        ys = rng.uniform(0, h, n_pores)
        xs = rng.uniform(0, w, n_pores)
        pr = px * rng.uniform(0.3, 0.9)
        ops = rng.uniform(0.2, 0.5, n_pores)
        gain -= 0.22 * dot_layer(h, w, [(x, y, pr, pr, o) for x, y, o in zip(xs, ys, ops)])
    # skin creases: one or two families of near-parallel faint lines
    strokes = []
    for fam in range(rng.integers(1, 3)):
        ang = rng.uniform(0, math.pi)
        nlines = int(rng.uniform(4, 18) * detail)
        for _ in range(nlines):
            x, y = rng.uniform(0, w), rng.uniform(0, h)
            L = rng.uniform(0.05, 0.3) * s
            pts, _ = random_walk(rng, x, y, L / 8, 8, heading=ang + rng.normal(0, 0.15), turn=0.1)
            strokes.append((pts, px * rng.uniform(0.5, 1.2), rng.uniform(0.15, 0.45)))
    if strokes:
        gain -= 0.12 * stroke_layer(h, w, strokes, blur=px * 0.6)
    redcol = base * np.array([1.05, 0.78, 0.78], F32)
    img = base + red[..., None] * (redcol - base)
    img *= gain[..., None]
    return img


def add_freckles(rng, img, base, tone, density=None, max_r=None):
    """Small benign pigmented macules (NOT labelled lesions: they stay tiny)."""
    h, w, _ = img.shape
    s = min(h, w)
    if density is None:
        density = rng.choice([0, 0, 10, 30, 80, 160])
    if density == 0:
        return img
    max_r = max_r or s * 0.007
    n = int(density * rng.uniform(0.5, 1.5) * (h * w) / (s * s))
    dots = []
    # freckles cluster in regions
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    for _ in range(n):
        if rng.random() < 0.5:
            x, y = cx + rng.normal(0, s * 0.3), cy + rng.normal(0, s * 0.3)
        else:
            x, y = rng.uniform(0, w), rng.uniform(0, h)
        r = rng.uniform(0.3, 1.0) * max_r
        dots.append((x, y, r * rng.uniform(0.7, 1.3), r * rng.uniform(0.7, 1.3), rng.uniform(0.2, 0.7)))
    a = dot_layer(h, w, dots, blur=max(0.6, max_r * 0.35))
    col = base * np.array([0.72, 0.6, 0.52], F32)
    return blend(img, col, a)


def add_hair(rng, img, amount=None):
    h, w, _ = img.shape
    s = min(h, w)
    if amount is None:
        amount = rng.choice([0, 0, 0, 5, 15, 40])
    if amount == 0:
        return img
    px = max(1.0, s / 350.0)
    strokes = []
    ang = rng.uniform(0, math.pi)
    for _ in range(int(amount * rng.uniform(0.5, 1.5))):
        x, y = rng.uniform(-0.1, 1.1) * w, rng.uniform(-0.1, 1.1) * h
        L = rng.uniform(0.05, 0.25) * s
        pts, _ = random_walk(rng, x, y, L / 10, 10, heading=ang + rng.normal(0, 0.5), turn=0.08)
        strokes.append((pts, px * rng.uniform(0.6, 1.6), rng.uniform(0.4, 0.9)))
    a = stroke_layer(h, w, strokes, blur=px * 0.4)
    col = np.array(rng.choice([[0.1, 0.07, 0.05], [0.25, 0.17, 0.1], [0.45, 0.33, 0.2], [0.05, 0.04, 0.04]]), F32)
    return blend(img, col, a * rng.uniform(0.6, 0.95))


def body_region(rng, h, w):
    """Alpha of skin (1) vs background (0): a limb/torso edge cutting the frame."""
    yy, xx = np.mgrid[0:h, 0:w].astype(F32)
    s = min(h, w)
    ang = rng.uniform(0, 2 * math.pi)
    nx, ny = math.cos(ang), math.sin(ang)
    # signed distance to a wavy line; skin where d > 0
    off = rng.uniform(0.25, 0.45) * (abs(nx) * w + abs(ny) * h)
    d = (xx - w / 2) * nx + (yy - h / 2) * ny + off
    d += noise(rng, h, w, s * 0.4) * s * 0.05
    if rng.random() < 0.4:  # second edge (a limb seen across the frame)
        ang2 = ang + math.pi + rng.normal(0, 0.2)
        nx2, ny2 = math.cos(ang2), math.sin(ang2)
        off2 = rng.uniform(0.3, 0.45) * (abs(nx2) * w + abs(ny2) * h)
        d2 = (xx - w / 2) * nx2 + (yy - h / 2) * ny2 + off2
        d = np.minimum(d, d2)
    alpha = smoothstep(-1.0, 1.5, d)
    shade = smoothstep(0, s * rng.uniform(0.08, 0.25), d)  # darker near the edge (curvature)
    return alpha, shade


def background_fill(rng, h, w):
    s = min(h, w)
    kind = rng.integers(0, 3)
    if kind == 0:  # dark drape / clothing
        c = rng.uniform(0.02, 0.3, 3)
    elif kind == 1:  # hospital sheet / wall, light
        c = rng.uniform(0.6, 0.95) * np.array([1, 1 + rng.normal(0, 0.04), 1 + rng.normal(0, 0.06)])
    else:  # coloured (blue/green gown)
        c = np.array(rng.choice([[0.3, 0.45, 0.6], [0.35, 0.55, 0.5], [0.55, 0.6, 0.7], [0.4, 0.3, 0.35]]))
    bg = np.empty((h, w, 3), F32)
    bg[:] = np.clip(c, 0, 1)
    bg *= (1 + 0.12 * fbm(rng, h, w, s * 0.3, 2))[..., None]
    if rng.random() < 0.4:  # folds
        bg *= (1 + 0.08 * np.sin(noise(rng, h, w, s * 0.5) * 6))[..., None]
    return bg


def lighting(rng, img, strength=1.0):
    h, w, _ = img.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(F32)
    ang = rng.uniform(0, 2 * math.pi)
    g = ((xx / w - 0.5) * math.cos(ang) + (yy / h - 0.5) * math.sin(ang))
    gain = 1 + strength * rng.uniform(0.0, 0.35) * g
    cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
    r2 = ((xx - cx) / w) ** 2 + ((yy - cy) / h) ** 2
    gain *= 1 - strength * rng.uniform(0.0, 0.35) * r2
    img *= gain[..., None]
    # broad soft specular sheen
    if rng.random() < 0.35:
        sx, sy = rng.uniform(0, w), rng.uniform(0, h)
        sr = rng.uniform(0.1, 0.35) * min(h, w)
        sp = np.exp(-(((xx - sx) ** 2 + (yy - sy) ** 2) / (2 * sr * sr)))
        blend(img, np.array([1, 1, 1], F32), sp * rng.uniform(0.04, 0.14))
    return img


def camera(rng, img, quality=None, blur=None):
    """White balance, exposure, blur, sensor noise, JPEG."""
    h, w, _ = img.shape
    wb = np.array([1 + rng.normal(0, 0.03), 1 + rng.normal(0, 0.015), 1 + rng.normal(0, 0.04)], F32)
    img *= wb * rng.uniform(0.88, 1.12)
    # mild contrast / gamma
    img = np.clip(img, 0, 1) ** F32(rng.uniform(0.88, 1.12))
    img += rng.standard_normal(img.shape, dtype=F32) * F32(rng.uniform(0.002, 0.018))
    u8 = to_uint8(img)
    if blur is None:
        blur = rng.uniform(0.0, 1.1) * max(1.0, min(h, w) / 400.0)
    if blur > 0.15:
        u8 = np.asarray(Image.fromarray(u8).filter(ImageFilter.GaussianBlur(blur)))
    if quality is None:
        quality = rng.integers(55, 96)
    return jpeg_roundtrip(u8, quality)


# ---------------------------------------------------------------------------
# lesion shapes and morphologies
# ---------------------------------------------------------------------------


class Patch:
    """Local coordinate frame around a lesion (for speed: draw only near it)."""

    def __init__(self, img, cx, cy, R):
        h, w, _ = img.shape
        self.x0 = max(0, int(cx - R))
        self.y0 = max(0, int(cy - R))
        self.x1 = min(w, int(cx + R) + 1)
        self.y1 = min(h, int(cy + R) + 1)
        self.view = img[self.y0:self.y1, self.x0:self.x1]
        ph, pw = self.view.shape[:2]
        yy, xx = np.mgrid[0:ph, 0:pw].astype(F32)
        self.x = xx + self.x0 - cx  # relative to lesion centre
        self.y = yy + self.y0 - cy
        self.h, self.w = ph, pw


def polar_field(p: Patch, rx, ry, rot, harm, rng=None, warp=0.0, warp_cell=0.3):
    """Normalised radial distance d (1 on the border) of a star-shaped blob."""
    c, s = math.cos(rot), math.sin(rot)
    u = (p.x * c + p.y * s) / rx
    v = (-p.x * s + p.y * c) / ry
    rho = np.sqrt(u * u + v * v)
    th = np.arctan2(v, u)
    rf = np.ones_like(rho)
    for k, a, ph in harm:
        rf += a * np.cos(k * th + ph)
    d = rho / np.maximum(rf, 0.2)
    if warp > 0 and rng is not None:
        d = d + warp * noise(rng, p.h, p.w, max(rx, ry) * warp_cell)
    return d


def harmonics(rng, irregular):
    out = []
    for k in range(2, 9):
        amp = irregular * rng.uniform(0, 1) / (k ** (1.2 if irregular > 0.1 else 1.8))
        out.append((k, amp, rng.uniform(0, 2 * math.pi)))
    return out


def lesion_nevus(rng, img, cx, cy, size, base, tone):
    R = size / 2
    p = Patch(img, cx, cy, R * 1.3)
    ecc = rng.uniform(0.75, 1.0)
    d = polar_field(p, R, R * ecc, rng.uniform(0, math.pi), harmonics(rng, 0.04), rng, warp=0.015)
    edge = rng.uniform(0.04, 0.14)
    a = smoothstep(1 + edge, 1 - edge, d)
    dark = rng.uniform(0.35, 0.65) if tone < 3.5 else rng.uniform(0.35, 0.6)
    col = base * np.array([0.75, 0.62, 0.55], F32) * dark / 0.6
    col = mix(col, np.array([0.36, 0.22, 0.14], F32) * (1.2 - tone * 0.12), rng.uniform(0.2, 0.6))
    layer = np.empty(p.view.shape, F32)
    layer[:] = col
    # gentle centre darkening and fine uniform texture
    centre = 1 - rng.uniform(0.0, 0.18) * smoothstep(0.9, 0.0, d)
    tex = 1 + 0.04 * noise(rng, p.h, p.w, R * 0.25)
    layer *= (centre * tex)[..., None]
    blend(p.view, layer, a * rng.uniform(0.85, 1.0))
    if rng.random() < 0.35:  # dome-shaped: subtle highlight
        hl = np.exp(-(((p.x + R * 0.3) ** 2 + (p.y + R * 0.3) ** 2) / (2 * (R * 0.25) ** 2)))
        blend(p.view, np.ones(3, F32), hl * a * rng.uniform(0.08, 0.2))
    return a, p


def lesion_melanoma(rng, img, cx, cy, size, base, tone):
    R = size / 2
    p = Patch(img, cx, cy, R * 1.35)
    # asymmetric: union of 2-4 irregular blobs, offset from the centre
    dmin = None
    for i in range(rng.integers(2, 5)):
        ox, oy = rng.normal(0, R * 0.22, 2)
        r = R * rng.uniform(0.55, 0.8)
        q = Patch.__new__(Patch)
        q.x, q.y, q.h, q.w = p.x - ox, p.y - oy, p.h, p.w
        d = polar_field(q, r, r * rng.uniform(0.6, 1.0), rng.uniform(0, math.pi), harmonics(rng, 0.4), rng,
                        warp=0.07, warp_cell=0.3)
        dmin = d if dmin is None else np.minimum(dmin, d)
    d = dmin
    # notches
    th = np.arctan2(p.y, p.x)
    for _ in range(rng.integers(1, 4)):
        t0 = rng.uniform(-math.pi, math.pi)
        dt = np.angle(np.exp(1j * (th - t0)))
        d = d + rng.uniform(0.1, 0.35) * np.exp(-(dt ** 2) / (2 * 0.12 ** 2)) * smoothstep(0.3, 1.0, d)
    # variable edge sharpness around the border
    edge = 0.03 + 0.2 * smoothstep(-0.5, 1.0, noise(rng, p.h, p.w, R * 0.7))
    a = smoothstep(1 + edge, 1 - edge, d)
    # colour zones
    palette = [
        np.array([0.32, 0.18, 0.11], F32),  # brown
        np.array([0.12, 0.07, 0.06], F32),  # black
        np.array([0.35, 0.38, 0.48], F32),  # blue-grey
        np.array([0.62, 0.24, 0.2], F32),   # red
        np.array([0.52, 0.34, 0.24], F32),  # light brown
    ]
    dim = 1.0 - 0.08 * tone
    layer = np.empty(p.view.shape, F32)
    layer[:] = palette[0] * dim
    for ci, (col, cov) in enumerate([(palette[1], 0.55), (palette[2], 0.35), (palette[3], 0.3), (palette[4], 0.5)]):
        if rng.random() < 0.85 if ci < 2 else rng.random() < 0.65:
            zone = smoothstep(0.2, 0.7, noise(rng, p.h, p.w, R * rng.uniform(0.3, 0.7)) + cov - 0.5)
            blend(layer, col * (dim if ci != 2 else 1.0), zone * rng.uniform(0.6, 1.0))
    # regression: whitish scar-like areas
    if rng.random() < 0.35:
        zone = smoothstep(0.5, 0.9, noise(rng, p.h, p.w, R * 0.35))
        blend(layer, mix(base, np.ones(3, F32), 0.35), zone * 0.7)
    layer *= (1 + 0.1 * noise(rng, p.h, p.w, max(1.5, R * 0.08)))[..., None]
    blend(p.view, layer, a * rng.uniform(0.88, 1.0))
    return a, p


def lesion_sk(rng, img, cx, cy, size, base, tone):
    R = size / 2
    p = Patch(img, cx, cy, R * 1.25)
    d = polar_field(p, R, R * rng.uniform(0.6, 0.95), rng.uniform(0, math.pi), harmonics(rng, 0.12), rng,
                    warp=0.04)
    a = smoothstep(1.03, 0.97, d)  # sharp "stuck-on" edge
    tan = mix(np.array([0.62, 0.47, 0.3], F32), np.array([0.36, 0.24, 0.14], F32), rng.uniform(0, 1))
    tan = tan * (1.05 - 0.09 * tone)
    layer = np.empty(p.view.shape, F32)
    layer[:] = tan
    # cerebriform ridges and furrows: creases from |band-passed noise|
    nf = noise(rng, p.h, p.w, R * rng.uniform(0.12, 0.22)) + 0.5 * noise(rng, p.h, p.w, R * 0.07)
    ridge = np.abs(nf)
    furrow = smoothstep(0.25, 0.0, ridge)
    layer *= (1 - 0.5 * furrow)[..., None]
    crest = smoothstep(0.6, 1.4, ridge)
    blend(layer, mix(tan, np.ones(3, F32), 0.35), crest * 0.5)
    # darker irregular pigment patches
    pig = smoothstep(0.3, 0.9, noise(rng, p.h, p.w, R * 0.4))
    layer *= (1 - rng.uniform(0.15, 0.4) * pig)[..., None]
    # milia-like cysts (whitish-yellow dots) and comedo-like openings (dark dots)
    dots_w, dots_d = [], []
    for _ in range(int(rng.uniform(4, 18))):
        rr = math.sqrt(rng.uniform(0, 0.75)) * R
        t = rng.uniform(0, 2 * math.pi)
        x, y = cx - p.x0 + rr * math.cos(t), cy - p.y0 + rr * math.sin(t)
        r = max(0.6, R * rng.uniform(0.025, 0.06))
        (dots_w if rng.random() < 0.6 else dots_d).append((x, y, r, r, rng.uniform(0.6, 1.0)))
    if dots_w:
        blend(layer, np.array([0.95, 0.9, 0.75], F32), dot_layer(p.h, p.w, dots_w, blur=0.5) * 0.85)
    if dots_d:
        blend(layer, np.array([0.15, 0.1, 0.07], F32), dot_layer(p.h, p.w, dots_d, blur=0.4) * 0.8)
    # cracks
    strokes = []
    for _ in range(rng.integers(2, 7)):
        pts, _ = random_walk(rng, cx - p.x0 + rng.normal(0, R * 0.3), cy - p.y0 + rng.normal(0, R * 0.3),
                             R * 0.12, int(rng.integers(3, 8)), turn=0.6)
        strokes.append((pts, max(1, R * 0.03), 0.8))
    layer *= (1 - 0.45 * stroke_layer(p.h, p.w, strokes, blur=0.5))[..., None]
    # waxy sheen
    sheen = smoothstep(0.3, 1.0, noise(rng, p.h, p.w, R * 0.5))
    blend(layer, np.ones(3, F32), sheen * rng.uniform(0.05, 0.15))
    blend(p.view, layer, a)
    # slight shadow under the stuck-on edge
    ring = smoothstep(1.12, 1.0, d) * smoothstep(0.97, 1.03, d)
    p.view *= (1 - 0.25 * ring)[..., None]
    return a, p


def telangiectasia(rng, p, cx, cy, R, n):
    strokes = []
    for _ in range(n):
        t = rng.uniform(0, 2 * math.pi)
        rr = R * rng.uniform(0.1, 0.8)
        x, y = cx - p.x0 + rr * math.cos(t), cy - p.y0 + rr * math.sin(t)
        pts, hd = random_walk(rng, x, y, R * 0.09, int(rng.integers(4, 10)), turn=0.45)
        wd = max(1.0, R * rng.uniform(0.012, 0.03))
        strokes.append((pts, wd, rng.uniform(0.6, 1.0)))
        for _ in range(rng.integers(0, 3)):  # branches
            j = int(rng.integers(1, len(pts)))
            bp, _ = random_walk(rng, pts[j][0], pts[j][1], R * 0.06, int(rng.integers(2, 6)),
                                heading=hd + rng.choice([-1, 1]) * 0.8, turn=0.5)
            strokes.append((bp, max(1.0, wd * 0.7), rng.uniform(0.5, 0.9)))
    return stroke_layer(p.h, p.w, strokes, blur=max(0.4, R * 0.008))


def lesion_bcc(rng, img, cx, cy, size, base, tone):
    R = size / 2
    p = Patch(img, cx, cy, R * 1.3)
    d = polar_field(p, R, R * rng.uniform(0.7, 1.0), rng.uniform(0, math.pi), harmonics(rng, 0.15), rng,
                    warp=0.04)
    a = smoothstep(1.12, 0.92, d)
    pearl = mix(base, np.array([0.95, 0.72, 0.72], F32), rng.uniform(0.45, 0.75))
    if tone > 3.5:
        pearl = mix(base, np.array([0.55, 0.35, 0.3], F32), 0.4) * 1.2
    layer = np.empty(p.view.shape, F32)
    layer[:] = pearl
    layer *= (1 + 0.04 * noise(rng, p.h, p.w, R * 0.3))[..., None]
    # rolled, raised, pearly border: bright ring, shaded by light direction
    ring = np.exp(-((d - 0.82) ** 2) / (2 * 0.09 ** 2))
    la = rng.uniform(0, 2 * math.pi)
    th = np.arctan2(p.y, p.x)
    lit = 0.5 + 0.5 * np.cos(th - la)
    blend(layer, np.array([1.0, 0.93, 0.9], F32), ring * (0.25 + 0.5 * lit) * rng.uniform(0.6, 1.0))
    layer *= (1 - 0.18 * ring * (1 - lit))[..., None]
    # translucent centre (slightly depressed)
    layer *= (1 - 0.06 * smoothstep(0.6, 0.0, d))[..., None]
    # fine red branching telangiectasia
    tel = telangiectasia(rng, p, cx, cy, R, int(rng.integers(3, 9)))
    blend(layer, np.array([0.72, 0.12, 0.15], F32), tel * smoothstep(1.0, 0.6, d) * 0.9)
    # central ulcer / crust
    if rng.random() < 0.45:
        du = polar_field(p, R * rng.uniform(0.2, 0.4), R * rng.uniform(0.15, 0.35), rng.uniform(0, math.pi),
                         harmonics(rng, 0.4), rng, warp=0.15)
        ua = smoothstep(1.15, 0.85, du)
        ucol = np.array(rng.choice([[0.45, 0.12, 0.1], [0.3, 0.15, 0.08], [0.6, 0.2, 0.18]]), F32)
        u = np.empty(p.view.shape, F32)
        u[:] = ucol
        u *= (1 + 0.2 * noise(rng, p.h, p.w, R * 0.06))[..., None]
        blend(layer, u, ua)
    # glossy highlight
    hx, hy = -math.cos(la) * R * 0.4, -math.sin(la) * R * 0.4
    hl = np.exp(-(((p.x + hx) ** 2 + (p.y + hy) ** 2) / (2 * (R * 0.15) ** 2)))
    blend(layer, np.ones(3, F32), hl * rng.uniform(0.1, 0.3))
    blend(p.view, layer, a * rng.uniform(0.85, 1.0))
    return a, p


def lesion_vascular(rng, img, cx, cy, size, base, tone):
    R = size / 2
    p = Patch(img, cx, cy, R * 1.3)
    # lobulated: union of 1-4 round lobes
    d = polar_field(p, R * 0.85, R * 0.85 * rng.uniform(0.85, 1.0), 0, harmonics(rng, 0.03))
    for _ in range(rng.integers(0, 4)):
        t = rng.uniform(0, 2 * math.pi)
        o = R * rng.uniform(0.2, 0.45)
        q = Patch.__new__(Patch)
        q.x, q.y, q.h, q.w = p.x - o * math.cos(t), p.y - o * math.sin(t), p.h, p.w
        r = R * rng.uniform(0.4, 0.6)
        d = np.minimum(d, polar_field(q, r, r, 0, []))
    a = smoothstep(1.06, 0.94, d)
    col = mix(np.array([0.82, 0.1, 0.15], F32), np.array([0.45, 0.08, 0.3], F32), rng.uniform(0, 1))
    col = col * (1.05 - 0.06 * tone)
    layer = np.empty(p.view.shape, F32)
    layer[:] = col
    layer *= (1 + 0.1 * noise(rng, p.h, p.w, R * 0.25))[..., None]
    # darker, well-circumscribed rim and red-blue lacunae
    layer *= (1 - 0.3 * smoothstep(0.7, 1.0, d))[..., None]
    lac = smoothstep(0.4, 0.9, noise(rng, p.h, p.w, R * 0.18))
    blend(layer, col * np.array([0.6, 0.7, 1.1], F32), lac * 0.5)
    # wet specular highlight
    hl = np.exp(-(((p.x + R * 0.3) ** 2 + (p.y + R * 0.35) ** 2) / (2 * (R * 0.12) ** 2)))
    blend(layer, np.ones(3, F32), hl * rng.uniform(0.2, 0.5))
    blend(p.view, layer, a)
    return a, p


LESION_FUNCS = [lesion_nevus, lesion_melanoma, lesion_sk, lesion_bcc, lesion_vascular]
# relative lesion size ranges (fraction of the image width) by class
SIZE_RANGE = [(0.03, 0.12), (0.08, 0.25), (0.05, 0.2), (0.04, 0.18), (0.03, 0.1)]


def pen_ring(rng, img, box=None):
    """Surgical-marker ellipse (often partial) drawn around a lesion, or a stray mark when box is None."""
    h, w, _ = img.shape
    s = min(h, w)
    if box is None:
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        rx, ry = s * rng.uniform(0.05, 0.2), s * rng.uniform(0.05, 0.2)
    else:
        x0, y0, x1, y1 = box[:4]
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        rx, ry = (x1 - x0) / 2 * rng.uniform(1.3, 2.4), (y1 - y0) / 2 * rng.uniform(1.3, 2.4)
    rot = rng.uniform(0, math.pi)
    n = 40
    span = 2 * math.pi * (1.08 if rng.random() < 0.7 else rng.uniform(0.3, 0.8))
    start = rng.uniform(0, 2 * math.pi)
    # hand-drawn: slowly wandering radius, sometimes pointed like a surgical ellipse
    wob = [(k, rng.normal(0, 0.06) / k, rng.uniform(0, 2 * math.pi)) for k in (1, 2, 3)]
    point = rng.uniform(0, 0.5) if rng.random() < 0.5 else 0.0
    pts = []
    for i in range(n + 1):
        t = start + span * i / n
        jr = 1 + sum(a * math.cos(k * t + p) for k, a, p in wob) + rng.normal(0, 0.015)
        ex, ey = rx * math.cos(t) * jr, ry * math.sin(t) * jr * (1 - point * abs(math.cos(t)) ** 3)
        pts.append((cx + ex * math.cos(rot) - ey * math.sin(rot), cy + ex * math.sin(rot) + ey * math.cos(rot)))
    wd = max(2, s * rng.uniform(0.006, 0.03))
    strokes = [(pts, wd, 0.9)]
    if rng.random() < 0.3:  # a second, overlapping pass of the pen
        strokes.append(([(x + rng.normal(0, wd * 0.5), y + rng.normal(0, wd * 0.5)) for x, y in pts], wd * 0.8, 0.8))
    a = stroke_layer(h, w, strokes, blur=wd * 0.2)
    col = np.array(rng.choice([[0.25, 0.25, 0.6], [0.35, 0.25, 0.55], [0.1, 0.15, 0.45], [0.15, 0.15, 0.2]]), F32)
    return blend(img, col, a * rng.uniform(0.6, 0.95))


def add_lentigines(rng, img, base):
    """Sun-damaged skin: blotchy, low-contrast brown macules (NOT labelled lesions)."""
    h, w, _ = img.shape
    s = min(h, w)
    f = noise(rng, h, w, s * rng.uniform(0.015, 0.04)) + 0.6 * noise(rng, h, w, s * 0.008)
    a = smoothstep(0.3, 1.6, f) * rng.uniform(0.15, 0.4)
    return blend(img, base * np.array([0.75, 0.62, 0.52], F32), a)


def render_localized(rng, w, h, classes=None, n_lesions=None, size_scale=(1.0, 1.0), size_px=None, tone=None,
                     background=None, freckles=None, hair=None, pen=None, camera_q=None, blur=None, finish=True):
    """A localized-lesion photo.

    finish=False returns the float image before the camera model, for callers that draw
    more on the scene (domain_random.py) and apply their own camera.

    Returns (uint8 image (h,w,3), list of (x0, y0, x1, y1, class_index)).
    `classes`: list of class indices for the lesions (default random, 1-2
    lesions; n_lesions=0 makes a negative image). `size_scale` multiplies the
    class size range; `size_px` fixes the lesion diameter in pixels instead.
    """
    base, tone = sample_skin_color(rng, tone)
    img = skin_background(rng, h, w, base, tone, detail=rng.uniform(0.6, 1.3))
    if background is None:
        background = rng.random() < 0.3
    if background:
        alpha, shade = body_region(rng, h, w)
        img *= (0.55 + 0.45 * shade)[..., None]
    else:
        alpha = None
    img = add_freckles(rng, img, base, tone, density=freckles)
    if freckles is None and rng.random() < 0.2:
        img = add_lentigines(rng, img, base)
    if classes is None:
        if n_lesions is None:
            n_lesions = 1 if rng.random() < 0.8 else 2
        classes = [int(rng.integers(0, 5)) for _ in range(n_lesions)]
    boxes = []
    for cls in classes:
        lo, hi = SIZE_RANGE[cls]
        for _attempt in range(30):
            size = w * rng.uniform(lo, hi) * rng.uniform(*size_scale) if size_px is None else size_px
            size = min(size, 0.8 * min(w, h))
            m = size * 0.6
            cx, cy = rng.uniform(m, w - m), rng.uniform(m, h - m)
            if alpha is not None and alpha[int(cy), int(cx)] < 0.99:
                continue
            if alpha is not None:  # keep the whole lesion on skin
                ok = all(alpha[int(min(h - 1, max(0, cy + dy))), int(min(w - 1, max(0, cx + dx)))] > 0.9
                         for dx in (-m, 0, m) for dy in (-m, 0, m))
                if not ok:
                    continue
            if any(not (cx + m < b[0] or cx - m > b[2] or cy + m < b[1] or cy - m > b[3]) for b in boxes):
                continue
            break
        else:
            continue
        a, p = LESION_FUNCS[cls](rng, img, cx, cy, size, base, tone)
        ys, xs = np.nonzero(a > 0.5)
        if len(xs) == 0:
            continue
        boxes.append((float(xs.min() + p.x0), float(ys.min() + p.y0), float(xs.max() + p.x0 + 1),
                      float(ys.max() + p.y0 + 1), cls))
    img = add_hair(rng, img, amount=hair)
    auto_pen = pen is None
    if auto_pen:
        pen = rng.random() < 0.3
    if pen and boxes:
        img = pen_ring(rng, img, boxes[int(rng.integers(len(boxes)))])
    elif pen or (auto_pen and rng.random() < 0.1):  # a stray mark on lesion-free skin
        img = pen_ring(rng, img, None)
    img = lighting(rng, img)
    if alpha is not None:
        blend(img, background_fill(rng, h, w), 1 - alpha)
    if not finish:
        return img, boxes
    return camera(rng, img, quality=camera_q, blur=blur), boxes


# ---------------------------------------------------------------------------
# widespread rashes
# ---------------------------------------------------------------------------


def _rash_psoriasis(rng, img, base, tone):
    h, w, _ = img.shape
    s = min(h, w)
    # plaques: thresholded low-frequency field -> several well-demarcated plaques
    f = fbm(rng, h, w, s * rng.uniform(0.12, 0.3), octaves=2) + 0.35 * noise(rng, h, w, s * 0.05)
    thr = rng.uniform(0.35, 0.85)
    a = smoothstep(thr - 0.05, thr + 0.03, f)
    # plus scattered small round plaques (guttate-like)
    dots = []
    for _ in range(int(rng.uniform(3, 20))):
        r = s * rng.uniform(0.015, 0.06)
        dots.append((rng.uniform(0, w), rng.uniform(0, h), r * rng.uniform(0.7, 1.3), r, 1.0))
    a = np.maximum(a, dot_layer(h, w, dots, blur=s * 0.004))
    ery = mix(base, np.array([0.8, 0.3, 0.3], F32), rng.uniform(0.55, 0.8))
    if tone > 3.2:
        ery = mix(base, np.array([0.4, 0.2, 0.25], F32), 0.5)
    layer = np.empty_like(img)
    layer[:] = ery
    layer *= (1 + 0.06 * noise(rng, h, w, s * 0.04))[..., None]
    # raised plaque: darker rim just inside the border, then silvery-white micaceous scale,
    # thickest in the plaque centres, leaving an erythematous margin
    inner = smoothstep(thr + 0.03, thr + rng.uniform(0.15, 0.4), f)
    sc = 0.7 * noise(rng, h, w, max(2.0, s * 0.03)) + 0.3 * noise(rng, h, w, max(1.5, s * 0.008))
    scale = smoothstep(0.25, 0.85, inner + 0.5 * sc) * rng.uniform(0.45, 0.8)
    silver = np.array([0.88, 0.87, 0.88], F32) * (1.0 - 0.05 * tone)
    blend(layer, silver, scale)
    layer *= (1 + 0.07 * noise(rng, h, w, max(1.5, s * 0.006)) * scale)[..., None]
    # fissures in the scale
    layer *= (1 - 0.12 * scale * smoothstep(0.12, 0.0, np.abs(noise(rng, h, w, s * 0.04))))[..., None]
    blend(img, layer, a)
    return img


def _rash_urticaria(rng, img, base, tone):
    h, w, _ = img.shape
    s = min(h, w)
    f = fbm(rng, h, w, s * rng.uniform(0.12, 0.25), octaves=2)
    c = rng.uniform(-0.3, 0.4)
    band = np.abs(f - c)
    width = rng.uniform(0.08, 0.2)
    # serpiginous / annular wheal bands with pale centres
    wheal = smoothstep(width, width * 0.4, band)
    # whole "filled" wheals too
    g = noise(rng, h, w, s * rng.uniform(0.06, 0.12))
    wheal = np.maximum(wheal, smoothstep(0.9, 1.3, g))
    flare = smoothstep(width * 2.5, width * 0.6, band)
    red = mix(base, np.array([0.92, 0.45, 0.45], F32), rng.uniform(0.35, 0.6))
    if tone > 3.2:
        red = mix(base, np.array([0.5, 0.3, 0.3], F32), 0.3)
    pale = mix(base, np.array([0.98, 0.86, 0.82], F32), rng.uniform(0.3, 0.6))
    if tone > 3.2:
        pale = base * 1.12
    blend(img, red, flare * rng.uniform(0.4, 0.7))  # erythematous flare around
    # wheal: pale, oedematous center, pinker edge
    core = smoothstep(width * 0.75, width * 0.1, band)
    wl = np.empty_like(img)
    wl[:] = red
    blend(wl, pale, core * 0.8)
    blend(img, wl, wheal * 0.85)
    # raised: soft shading from gradient of the wheal map (emboss)
    gy, gx = np.gradient(wheal)
    emb = (gx + gy) * s * 0.04
    img *= (1 + np.clip(emb, -0.12, 0.12))[..., None]
    # scratches (excoriations)
    if rng.random() < 0.4:
        strokes = []
        for _ in range(rng.integers(2, 8)):
            pts, _ = random_walk(rng, rng.uniform(0, w), rng.uniform(0, h), s * 0.02, 6, turn=0.05)
            strokes.append((pts, max(1, s * 0.004), 0.7))
        blend(img, np.array([0.7, 0.2, 0.2], F32), stroke_layer(h, w, strokes, 0.5) * 0.6)
    return img


def _rash_morbilliform(rng, img, base, tone):
    h, w, _ = img.shape
    s = min(h, w)
    dens = smoothstep(-0.8, 0.8, fbm(rng, h, w, s * 0.4, 2))  # density variation
    n = int((h * w) / (s * s) * rng.uniform(250, 700))
    dots = []
    for _ in range(n):
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        if rng.random() > 0.25 + 0.75 * dens[int(y), int(x)]:
            continue
        r = s * rng.uniform(0.005, 0.017)
        dots.append((x, y, r * rng.uniform(0.7, 1.4), r * rng.uniform(0.7, 1.4), rng.uniform(0.45, 1.0)))
    a = dot_layer(h, w, dots, blur=s * rng.uniform(0.003, 0.007))
    # confluence: blurred density of macules adds a diffuse blush
    conf = smoothstep(0.0, 1.0, dens + 0.3 * noise(rng, h, w, s * 0.1)) * rng.uniform(0.15, 0.45)
    col = mix(base, np.array([0.88, 0.32, 0.32], F32), rng.uniform(0.45, 0.7))
    if tone > 3.2:
        col = mix(base * 0.7, np.array([0.4, 0.16, 0.2], F32), 0.5)
    blend(img, mix(base, col, 0.6), conf)
    blend(img, col, np.clip(a * 1.1, 0, 1))
    # papules: a slight highlight on some
    return img


def _rash_petechial(rng, img, base, tone):
    h, w, _ = img.shape
    s = min(h, w)
    dens = smoothstep(-0.6, 0.9, fbm(rng, h, w, s * 0.35, 2))
    n = int((h * w) / (s * s) * rng.uniform(500, 1500))
    dots = []
    for _ in range(n):
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        if rng.random() > 0.15 + 0.85 * dens[int(y), int(x)]:
            continue
        r = max(0.5, s * rng.uniform(0.0015, 0.0045))
        dots.append((x, y, r, r, rng.uniform(0.7, 1.0)))
    a = dot_layer(h, w, dots, blur=0.35)
    col = mix(np.array([0.62, 0.08, 0.12], F32), np.array([0.38, 0.08, 0.25], F32), rng.uniform(0, 1))
    col = col * (1.05 - 0.08 * tone)
    # larger purpuric / ecchymotic patches
    pa = np.zeros((h, w), F32)
    for _ in range(rng.integers(0, 5)):
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        R = s * rng.uniform(0.02, 0.08)
        p = Patch(img, cx, cy, R * 1.5)
        d = polar_field(p, R, R * rng.uniform(0.5, 1.0), rng.uniform(0, math.pi), harmonics(rng, 0.4), rng,
                        warp=0.2)
        pa[p.y0:p.y1, p.x0:p.x1] = np.maximum(pa[p.y0:p.y1, p.x0:p.x1], smoothstep(1.2, 0.7, d))
    pcol = mix(col, np.array([0.35, 0.15, 0.35], F32), rng.uniform(0.2, 0.6))
    blend(img, pcol, pa * rng.uniform(0.5, 0.85))
    blend(img, col, a)
    return img


RASH_FUNCS = [_rash_psoriasis, _rash_urticaria, _rash_morbilliform, _rash_petechial]


def render_widespread(rng, w, h, cls, tone=None, background=None, hair=None, camera_q=None, blur=None,
                      finish=True):
    """A widespread-rash photo of class `cls` (index into RASH_LABELS). Returns uint8 (h,w,3),
    or with finish=False the float image before the camera model."""
    base, tone = sample_skin_color(rng, tone)
    img = skin_background(rng, h, w, base, tone, detail=rng.uniform(0.5, 1.1))
    if background is None:
        background = rng.random() < 0.25
    alpha = None
    if background:
        alpha, shade = body_region(rng, h, w)
        img *= (0.55 + 0.45 * shade)[..., None]
    img = add_freckles(rng, img, base, tone, density=rng.choice([0, 0, 0, 10, 30]))
    img = RASH_FUNCS[cls](rng, img, base, tone)
    img = add_hair(rng, img, amount=hair if hair is not None else rng.choice([0, 0, 0, 0, 5, 15]))
    img = lighting(rng, img)
    if alpha is not None:
        blend(img, background_fill(rng, h, w), 1 - alpha)
    if not finish:
        return img
    return camera(rng, img, quality=camera_q, blur=blur)


# ---------------------------------------------------------------------------
# geometry helpers shared with training and the orchestrator's conventions
# ---------------------------------------------------------------------------


def letterbox(img_u8, size=320, pad=114):
    """Resize keeping aspect ratio and centre-pad to size x size (Ultralytics style).

    Returns (uint8 (size,size,3), scale, pad_x, pad_y).
    """
    h, w, _ = img_u8.shape
    r = min(size / w, size / h)
    nw, nh = max(1, int(round(w * r))), max(1, int(round(h * r)))
    im = Image.fromarray(img_u8).resize((nw, nh), Image.BILINEAR)
    out = np.full((size, size, 3), pad, np.uint8)
    px, py = (size - nw) // 2, (size - nh) // 2
    out[py:py + nh, px:px + nw] = np.asarray(im)
    return out, r, px, py


def padded_crop(img_u8, box, pad_frac=0.15, out=128):
    """Crop box (x0,y0,x1,y1) padded by pad_frac of its size on each side, clamped to the
    image, stretched to out x out (the orchestrator's ROI crop convention)."""
    h, w, _ = img_u8.shape
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    x0, x1 = x0 - pad_frac * bw, x1 + pad_frac * bw
    y0, y1 = y0 - pad_frac * bh, y1 + pad_frac * bh
    x0, y0 = max(0, int(math.floor(x0))), max(0, int(math.floor(y0)))
    x1, y1 = min(w, int(math.ceil(x1))), min(h, int(math.ceil(y1)))
    x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)
    crop = Image.fromarray(img_u8[y0:y1, x0:x1])
    return np.asarray(crop.resize((out, out), Image.BILINEAR))
