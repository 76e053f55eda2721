"""Domain randomisation: the things real skin photos have that the clean generator lacks.

Scenes built on synthetic_skin.py's skin and lesions, with what makes real images hard:

* dermoscopy fields of view: a lesion from 5 % to 90 % of the frame, centred or not, with
  pigment network, dots and veils, sometimes faint against the skin; circular apertures and
  black corners, immersion-gel bubbles, hair, ruler and scale marks, specular glare;
* clinical close-ups with surgical-pen circles, ink dots and arrows beside the lesion, rulers;
* phone photos at a distance: a small lesion on a body against a room, with clothing;
* every scene gets colour casts, blur, noise and JPEG artefacts, and the six Fitzpatrick
  skin types are drawn evenly (`fitzpatrick(index)`).

Pen marks, dots, arrows, rulers, bubbles and glare are never labelled: they are the
detector's negatives. Nothing here reads a real image.
"""
from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

import synthetic_skin as S

F32 = np.float32
INK = ([0.2, 0.2, 0.55], [0.35, 0.2, 0.5], [0.08, 0.12, 0.4], [0.1, 0.1, 0.12], [0.1, 0.35, 0.2], [0.55, 0.1, 0.15])


def fitzpatrick(index, rng):
    """Tone for Fitzpatrick type I..VI picked by index % 6 (evenly over a data set), jittered inside the type."""
    k = index % 6
    return float(np.clip(k + rng.uniform(-0.35, 0.35), 0.0, 5.0))


def _line_layer(h, w, lines, blur=0.0):
    """[(points, width, opacity)] -> float alpha, like S.stroke_layer but with straight segments."""
    layer = Image.new("L", (w, h), 0)
    dr = ImageDraw.Draw(layer)
    for pts, width, op in lines:
        dr.line(pts, fill=int(255 * op), width=max(1, int(round(width))))
    if blur > 0:
        layer = layer.filter(ImageFilter.GaussianBlur(blur))
    return np.asarray(layer, dtype=F32) / 255.0


def _box_of(a, p, w, h):
    ys, xs = np.nonzero(a > 0.5)
    if len(xs) == 0:
        return None
    x0, y0 = max(0.0, float(xs.min() + p.x0)), max(0.0, float(ys.min() + p.y0))
    x1, y1 = min(float(w), float(xs.max() + p.x0 + 1)), min(float(h), float(ys.max() + p.y0 + 1))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    return x0, y0, x1, y1


# ---------------------------------------------------------------------------
# dermoscopic structures inside a lesion
# ---------------------------------------------------------------------------


def dermoscopic_structures(rng, p, a, cls, base):
    """Pigment network, dots/globules, blue-white veil, drawn in the lesion's patch under its alpha."""
    R = max(p.h, p.w) / 2.6
    inner = a * S.smoothstep(0.0, 0.6, a)
    if cls in (0, 1, 2) and rng.random() < 0.7:  # reticular network, thinning towards the border
        cell = max(2.5, R * rng.uniform(0.06, 0.14))
        ridge = np.abs(S.noise(rng, p.h, p.w, cell))
        net = S.smoothstep(0.35, 0.05, ridge)
        fade = S.smoothstep(0.0, 0.8, a) if rng.random() < 0.7 else a
        dark = np.array([0.2, 0.12, 0.08], F32)
        S.blend(p.view, dark, net * fade * rng.uniform(0.2, 0.55))
    if cls in (0, 1, 2, 3) and rng.random() < 0.5:  # dots and globules
        n = int(rng.uniform(5, 40))
        ys, xs = np.nonzero(inner > 0.5)
        if len(xs):
            pick = rng.integers(0, len(xs), n)
            r = max(0.8, R * rng.uniform(0.02, 0.06))
            dots = [(float(xs[i]), float(ys[i]), r * rng.uniform(0.6, 1.4), r * rng.uniform(0.6, 1.4),
                     rng.uniform(0.5, 1.0)) for i in pick]
            col = np.array(rng.choice([[0.15, 0.09, 0.06], [0.3, 0.3, 0.4], [0.35, 0.2, 0.12]]), F32)
            S.blend(p.view, col, S.dot_layer(p.h, p.w, dots, blur=0.6) * inner)
    if cls == 1 and rng.random() < 0.5:  # blue-white veil
        zone = S.smoothstep(0.2, 0.8, S.noise(rng, p.h, p.w, R * 0.5))
        S.blend(p.view, np.array([0.5, 0.55, 0.68], F32), zone * inner * rng.uniform(0.3, 0.6))
    if cls == 4 and rng.random() < 0.6:  # red-purple lacunae
        lac = S.smoothstep(0.3, 0.8, S.noise(rng, p.h, p.w, max(2.0, R * 0.15)))
        S.blend(p.view, np.array([0.45, 0.05, 0.2], F32), lac * inner * 0.5)
    if rng.random() < 0.3:  # structureless pinkish/whitish areas
        zone = S.smoothstep(0.4, 0.9, S.noise(rng, p.h, p.w, R * 0.4))
        S.blend(p.view, S.mix(base, np.array([0.92, 0.75, 0.75], F32), 0.5), zone * inner * 0.5)


def draw_lesion(rng, img, cls, cx, cy, size, base, tone, dermoscopic):
    """One lesion of class `cls`, sometimes faint against the skin; returns its box or None."""
    h, w, _ = img.shape
    before = img.copy()
    a, p = S.LESION_FUNCS[cls](rng, img, cx, cy, size, base, tone)
    if dermoscopic:
        dermoscopic_structures(rng, p, a, cls, base)
    if rng.random() < 0.3:  # low contrast (pink BCC, actinic keratosis-like, light nevi)
        k = F32(rng.uniform(0.35, 0.8))
        img[:] = before + k * (img - before)
    return _box_of(a, p, w, h)


# ---------------------------------------------------------------------------
# artefacts (never labelled)
# ---------------------------------------------------------------------------


def aperture(rng, img):
    """Dermatoscope field of view: a circular aperture with black outside, or darkened corners."""
    h, w, _ = img.shape
    s = min(h, w)
    yy, xx = np.mgrid[0:h, 0:w].astype(F32)
    cx, cy = w / 2 + rng.normal(0, 0.04 * s), h / 2 + rng.normal(0, 0.04 * s)
    r = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2)
    half_diag = math.hypot(w, h) / 2
    rad = rng.uniform(0.5 * s, 1.05 * half_diag)
    inside = S.smoothstep(rad, rad - rng.uniform(0.01, 0.06) * s, r)
    fall = 1 - rng.uniform(0.1, 0.55) * (r / rad) ** 2
    img *= np.clip(fall, 0, 1)[..., None]
    black = np.array([rng.uniform(0, 0.08)] * 3, F32)
    return S.blend(img, black, 1 - inside)


def gel_bubbles(rng, img):
    """Immersion-gel / oil bubbles: bright rims, a dark edge, a specular spot."""
    h, w, _ = img.shape
    s = min(h, w)
    n = int(rng.integers(1, 25))
    rim = Image.new("L", (w, h), 0)
    dark = Image.new("L", (w, h), 0)
    fill = Image.new("L", (w, h), 0)
    dr, dd, df = ImageDraw.Draw(rim), ImageDraw.Draw(dark), ImageDraw.Draw(fill)
    for _ in range(n):
        r = s * math.exp(rng.uniform(math.log(0.005), math.log(0.07)))
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        wd = max(1, int(r * rng.uniform(0.08, 0.2)))
        dd.ellipse((x - r, y - r, x + r, y + r), outline=int(255 * rng.uniform(0.3, 0.7)), width=wd)
        df.ellipse((x - r, y - r, x + r, y + r), fill=int(255 * rng.uniform(0.05, 0.25)))
        t = rng.uniform(0, 2 * math.pi)
        dr.arc((x - r * 0.8, y - r * 0.8, x + r * 0.8, y + r * 0.8), math.degrees(t), math.degrees(t) + 80,
               fill=255, width=max(1, wd))
    blur = max(0.5, s / 500)
    def f(layer):
        return np.asarray(layer.filter(ImageFilter.GaussianBlur(blur)), F32) / 255.0
    S.blend(img, np.ones(3, F32), f(fill))
    S.blend(img, np.array([0.25, 0.2, 0.2], F32), f(dark))
    return S.blend(img, np.ones(3, F32), f(rim) * rng.uniform(0.5, 0.95))


def ruler(rng, img):
    """A ruler or printed scale along an edge (or across the frame): a band with tick marks."""
    h, w, _ = img.shape
    s = min(h, w)
    edge = rng.integers(0, 4)
    ang = rng.normal(0, 0.15) + (0 if edge < 2 else math.pi / 2)
    along = np.array([math.cos(ang), math.sin(ang)])
    normal = np.array([-along[1], along[0]])
    pos = rng.uniform(0.03, 0.2) if rng.random() < 0.8 else rng.uniform(0.2, 0.8)
    if edge == 0:
        c = np.array([w / 2, pos * h])
    elif edge == 1:
        c = np.array([w / 2, (1 - pos) * h])
    elif edge == 2:
        c = np.array([pos * w, h / 2])
    else:
        c = np.array([(1 - pos) * w, h / 2])
    bw = s * rng.uniform(0.04, 0.1)
    L = math.hypot(w, h)
    band = Image.new("L", (w, h), 0)
    if rng.random() < 0.7:
        corners = [c + along * L / 2 * sx + normal * bw / 2 * sy for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
        ImageDraw.Draw(band).polygon([tuple(q) for q in corners], fill=int(255 * rng.uniform(0.6, 0.95)))
        col = np.array(rng.choice([[0.95, 0.95, 0.92], [0.92, 0.88, 0.6], [0.85, 0.9, 0.95]]), F32)
        S.blend(img, col, np.asarray(band, F32) / 255.0)
    step = s * rng.uniform(0.012, 0.035)
    lines = []
    for i in range(int(-L / 2 / step), int(L / 2 / step)):
        length = bw * (0.75 if i % 10 == 0 else 0.5 if i % 5 == 0 else 0.3)
        a = c + along * i * step - normal * bw / 2
        b = a + normal * length
        lines.append(([tuple(a), tuple(b)], max(1.0, s / 300), 1.0))
    tick = _line_layer(h, w, lines, blur=0.4)
    return S.blend(img, np.array([0.05, 0.05, 0.06], F32), tick * rng.uniform(0.6, 0.95))


def ink_marks(rng, img, box):
    """Ink dots and arrows beside or pointing at a lesion (or anywhere when box is None)."""
    h, w, _ = img.shape
    s = min(h, w)
    if box is None:
        cx, cy, sz = rng.uniform(0, w), rng.uniform(0, h), s * rng.uniform(0.05, 0.2)
    else:
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        sz = max(box[2] - box[0], box[3] - box[1])
    col = np.array(INK[int(rng.integers(len(INK)))], F32)
    wd = max(1.5, s * rng.uniform(0.005, 0.015))
    lines, dots = [], []
    for _ in range(int(rng.integers(1, 4))):
        t = rng.uniform(0, 2 * math.pi)
        d = sz * rng.uniform(0.65, 1.6)
        x, y = cx + d * math.cos(t), cy + d * math.sin(t)
        if rng.random() < 0.5:  # a dot
            r = max(1.5, s * rng.uniform(0.006, 0.025))
            dots.append((x, y, r * rng.uniform(0.7, 1.3), r * rng.uniform(0.7, 1.3), 1.0))
        else:  # an arrow pointing at the lesion
            tip = (cx + sz * 0.6 * math.cos(t), cy + sz * 0.6 * math.sin(t))
            tail = (cx + (d + sz * rng.uniform(0.5, 1.5)) * math.cos(t), cy + (d + sz) * math.sin(t))
            lines.append(([tail, tip], wd, 1.0))
            head = sz * rng.uniform(0.15, 0.35)
            for sgn in (-1, 1):
                ha = t + sgn * 0.5
                lines.append(([tip, (tip[0] + head * math.cos(ha), tip[1] + head * math.sin(ha))], wd, 1.0))
    a = np.maximum(_line_layer(h, w, lines, blur=wd * 0.2), S.dot_layer(h, w, dots, blur=0.5))
    return S.blend(img, col, a * rng.uniform(0.6, 0.95))


def specular(rng, img):
    """Glare: clusters of tiny bright spots (wet skin, gel) and a few soft blobs."""
    h, w, _ = img.shape
    s = min(h, w)
    dots = []
    for _ in range(int(rng.integers(1, 4))):
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        spread = s * rng.uniform(0.03, 0.2)
        for _ in range(int(rng.integers(5, 60))):
            r = max(0.5, s * rng.uniform(0.001, 0.006))
            dots.append((cx + rng.normal(0, spread), cy + rng.normal(0, spread), r, r, rng.uniform(0.5, 1.0)))
    for _ in range(int(rng.integers(0, 3))):
        r = s * rng.uniform(0.01, 0.05)
        dots.append((rng.uniform(0, w), rng.uniform(0, h), r * rng.uniform(0.5, 2), r, rng.uniform(0.3, 0.7)))
    return S.blend(img, np.ones(3, F32), S.dot_layer(h, w, dots, blur=max(0.4, s / 600)))


def clothing(rng, img, boxes):
    """A garment edge across the frame (stripes, checks or plain with folds) that covers no labelled lesion."""
    h, w, _ = img.shape
    s = min(h, w)
    yy, xx = np.mgrid[0:h, 0:w].astype(F32)
    for _ in range(10):
        ang = rng.uniform(0, 2 * math.pi)
        nx, ny = math.cos(ang), math.sin(ang)
        off = rng.uniform(0.15, 0.45) * (abs(nx) * w + abs(ny) * h)

        def side(x, y):
            return (x - w / 2) * nx + (y - h / 2) * ny - off

        if all(side(x, y) < -s * 0.03 for b in boxes for x in (b[0], b[2]) for y in (b[1], b[3])):
            break
    else:
        return img
    d = side(xx, yy) + S.noise(rng, h, w, s * 0.3) * s * 0.02
    alpha = S.smoothstep(-1.0, 1.0, d)
    col = np.array(rng.uniform(0.05, 0.9, 3), F32)
    cloth = np.empty_like(img)
    cloth[:] = col
    kind = rng.integers(0, 3)
    u = xx * math.cos(ang + 1.2) + yy * math.sin(ang + 1.2)
    v = -xx * math.sin(ang + 1.2) + yy * math.cos(ang + 1.2)
    period = s * rng.uniform(0.02, 0.1)
    if kind == 0:
        stripe = (np.sin(u * 2 * math.pi / period) > 0).astype(F32)
        S.blend(cloth, np.array(rng.uniform(0.05, 0.95, 3), F32), stripe)
    elif kind == 1:
        check = ((np.floor(u / period) + np.floor(v / period)) % 2).astype(F32)
        S.blend(cloth, np.array(rng.uniform(0.05, 0.95, 3), F32), check * 0.7)
    cloth *= (1 + 0.15 * S.fbm(rng, h, w, s * 0.15, 2))[..., None]  # folds
    cloth *= (1 + 0.05 * S.noise(rng, h, w, max(1.5, s / 200)))[..., None]  # weave
    shadow = S.smoothstep(-s * 0.04, 0, d) * (1 - alpha)
    img *= (1 - 0.35 * shadow)[..., None]
    return S.blend(img, cloth, alpha)


def colour_cast(rng, img):
    """Strong white-balance errors and saturation changes (dermatoscope LEDs, phone processing)."""
    gains = np.array([rng.normal(1, 0.07), rng.normal(1, 0.05), rng.normal(1, 0.09)], F32)
    img *= gains * F32(rng.uniform(0.8, 1.2))
    if rng.random() < 0.4:
        g = img.mean(2, keepdims=True)
        img[:] = g + F32(rng.uniform(0.6, 1.4)) * (img - g)
    return img


def camera(rng, img):
    """A wider camera model than synthetic_skin.camera: more blur, noise and JPEG damage."""
    h, w, _ = img.shape
    s = min(h, w)
    img = np.clip(img, 0, 1) ** F32(rng.uniform(0.8, 1.25))
    img = img + rng.standard_normal(img.shape, dtype=F32) * F32(rng.uniform(0.0, 0.03))
    u8 = S.to_uint8(img)
    blur = rng.choice([0.0, rng.uniform(0.3, 1.0), rng.uniform(1.0, 3.0)], p=[0.3, 0.5, 0.2]) * max(1.0, s / 320)
    if blur > 0.15:
        u8 = np.asarray(Image.fromarray(u8).filter(ImageFilter.GaussianBlur(float(blur))))
    return S.jpeg_roundtrip(u8, int(rng.integers(25, 96)))


# ---------------------------------------------------------------------------
# scenes
# ---------------------------------------------------------------------------


def dermoscopy_scene(rng, w, h, cls, tone):
    """A dermoscopy image with one lesion of class cls (None: no lesion). Returns (uint8 image, boxes)."""
    base, tone = S.sample_skin_color(rng, tone)
    base = S.mix(base, np.array([0.88, 0.6, 0.55], F32) * (1.1 - tone * 0.12), rng.uniform(0.1, 0.45))
    img = S.skin_background(rng, h, w, base, tone, detail=rng.uniform(0.15, 0.7))
    if rng.random() < 0.25:
        img = S.add_lentigines(rng, img, base)
    boxes = []
    if cls is not None:
        area = math.exp(rng.uniform(math.log(0.006), math.log(0.9)))
        size = math.sqrt(area * w * h)
        if rng.random() < 0.65:  # centred, as most dermoscopy images are
            cx, cy = w / 2 + rng.normal(0, 0.06 * w), h / 2 + rng.normal(0, 0.06 * h)
        else:
            m = min(size * 0.35, min(w, h) * 0.4)
            cx, cy = rng.uniform(m, w - m), rng.uniform(m, h - m)
        box = draw_lesion(rng, img, cls, cx, cy, size, base, tone, dermoscopic=True)
        if box is not None:
            boxes.append(box + (cls,))
    img = S.add_hair(rng, img, amount=rng.choice([0, 0, 5, 15, 30, 60]))
    if rng.random() < 0.35:
        img = gel_bubbles(rng, img)
    if rng.random() < 0.15:
        img = ruler(rng, img)
    if rng.random() < 0.1:
        img = S.pen_ring(rng, img, boxes[0] if boxes else None)
    if rng.random() < 0.1:
        img = ink_marks(rng, img, boxes[0] if boxes else None)
    if rng.random() < 0.5:
        img = specular(rng, img)
    img = S.lighting(rng, img, strength=0.6)
    if rng.random() < 0.5:
        img = aperture(rng, img)
    return camera(rng, colour_cast(rng, img)), boxes


def clinical_scene(rng, w, h, classes, tone, size_scale=(1.0, 1.0), size_px=None):
    """A clinical close-up (synthetic_skin's scene) with pen dots, arrows, rulers, glare and clothing."""
    img, boxes = S.render_localized(rng, w, h, classes=classes, size_scale=size_scale, size_px=size_px, tone=tone,
                                    finish=False)
    if rng.random() < 0.2:
        img = ink_marks(rng, img, boxes[int(rng.integers(len(boxes)))] if boxes else None)
    if rng.random() < 0.15:
        img = ruler(rng, img)
    if rng.random() < 0.2:
        img = specular(rng, img)
    if rng.random() < 0.15:
        img = clothing(rng, img, boxes)
    return camera(rng, colour_cast(rng, img)), boxes


def distant_scene(rng, w, h, classes, tone):
    """A phone photo from a distance: body edge against a room, clothing, a small lesion."""
    img, boxes = S.render_localized(rng, w, h, classes=classes, size_scale=(0.35, 0.7), tone=tone, background=True,
                                    finish=False)
    if rng.random() < 0.8:
        img = clothing(rng, img, boxes)
    return camera(rng, colour_cast(rng, img)), boxes


def widespread_scene(rng, w, h, cls, tone):
    """A widespread-rash photo with clothing, casts and a rougher camera."""
    img = S.render_widespread(rng, w, h, cls, tone=tone, finish=False)
    if rng.random() < 0.3:
        img = clothing(rng, img, [])
    if rng.random() < 0.1:
        img = ruler(rng, img)
    return camera(rng, colour_cast(rng, img))


def non_skin(rng, w, h):
    """An image that is not a skin photo (for the out-of-distribution threshold): documents, scenery,
    X-ray-like greyscale, shapes, textures, flat colours."""
    s = min(h, w)
    yy, xx = np.mgrid[0:h, 0:w].astype(F32)
    kind = int(rng.integers(0, 6))
    img = np.empty((h, w, 3), F32)
    if kind == 0:  # a printed page
        img[:] = rng.uniform(0.8, 1.0)
        lines = []
        y = rng.uniform(0.05, 0.1) * h
        while y < h * 0.95:
            x0 = w * rng.uniform(0.05, 0.12)
            lines.append(([(x0, y), (x0 + w * rng.uniform(0.4, 0.85), y)], max(1, s * 0.012), 1.0))
            y += s * rng.uniform(0.03, 0.06)
        dash = _line_layer(h, w, lines)
        dash *= (S.noise(rng, h, w, max(1.5, s * 0.008)) > -0.3).astype(F32)
        S.blend(img, np.zeros(3, F32), dash * 0.85)
    elif kind == 1:  # scenery: sky over ground
        horizon = h * rng.uniform(0.3, 0.7) + S.noise(rng, 1, w, w * 0.2)[0] * h * 0.05
        sky = np.array(rng.choice([[0.5, 0.7, 0.95], [0.8, 0.8, 0.85], [0.95, 0.6, 0.4]]), F32)
        ground = np.array(rng.choice([[0.25, 0.45, 0.15], [0.5, 0.45, 0.3], [0.3, 0.3, 0.35]]), F32)
        m = S.smoothstep(-2, 2, yy - horizon[None, :])
        img[:] = sky
        S.blend(img, ground, m)
        img *= (1 + 0.2 * S.fbm(rng, h, w, s * 0.1, 3) * m)[..., None]
    elif kind == 2:  # X-ray-like greyscale
        g = 0.15 + 0.5 * S.smoothstep(-0.2, 0.8, S.fbm(rng, h, w, s * 0.25, 3))
        for _ in range(int(rng.integers(3, 9))):  # bone-like bright bars
            x = rng.uniform(0, w)
            g += 0.3 * np.exp(-((xx - x - (yy - h / 2) * rng.normal(0, 0.3)) ** 2) / (2 * (s * 0.03) ** 2))
        img[:] = np.clip(g, 0, 1)[..., None]
    elif kind == 3:  # coloured shapes on a plain ground
        im = Image.new("RGB", (w, h), tuple(int(v) for v in rng.integers(0, 256, 3)))
        dr = ImageDraw.Draw(im)
        for _ in range(int(rng.integers(3, 15))):
            x, y, r = rng.uniform(0, w), rng.uniform(0, h), s * rng.uniform(0.03, 0.25)
            fill = tuple(int(v) for v in rng.integers(0, 256, 3))
            if rng.random() < 0.5:
                dr.ellipse((x - r, y - r, x + r, y + r), fill=fill)
            else:
                dr.rectangle((x - r, y - r * 0.6, x + r, y + r * 0.6), fill=fill)
        img[:] = np.asarray(im, F32) / 255.0
    elif kind == 4:  # texture: wood, fabric, stone
        f = S.fbm(rng, h, w, s * rng.uniform(0.02, 0.2), 3)
        c1, c2 = np.array(rng.uniform(0, 1, 3), F32), np.array(rng.uniform(0, 1, 3), F32)
        t = 0.5 + 0.5 * np.sin((xx * rng.uniform(0.02, 0.2) + f * 8))
        img[:] = c1
        S.blend(img, c2, t.astype(F32))
    else:  # flat or gradient colour
        c1, c2 = np.array(rng.uniform(0, 1, 3), F32), np.array(rng.uniform(0, 1, 3), F32)
        img[:] = c1
        S.blend(img, c2, (xx / w).astype(F32))
    return camera(rng, img)
