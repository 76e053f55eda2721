"""Small CNNs for the DDx Assist demo models, their losses and the detector box decoding."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def cbr(cin, cout, k=3, s=1, d=1):
    """Conv + BatchNorm + ReLU (BN is folded into the conv by the ONNX export)."""
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, d * (k // 2), dilation=d, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


# ---------------------------------------------------------------------------
# classifier
# ---------------------------------------------------------------------------


class Classifier(nn.Module):
    """~0.3 M parameter CNN: 128x128 normalised RGB -> raw logits."""

    def __init__(self, nc: int, width=(16, 32, 64, 128)):
        super().__init__()
        c1, c2, c3, c4 = width
        self.features = nn.Sequential(
            cbr(3, c1, 3, 2),  # 64
            cbr(c1, c2, 3, 2),  # 32
            cbr(c2, c2),
            cbr(c2, c3, 3, 2),  # 16
            cbr(c3, c3),
            cbr(c3, c4, 3, 2),  # 8
            cbr(c4, c4),
        )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.drop = nn.Dropout(0.2)
        self.fc = nn.Linear(c4, nc)

    def forward(self, x):
        x = self.pool(self.features(x)).flatten(1)
        return self.fc(self.drop(x))


# ---------------------------------------------------------------------------
# detector (anchor-free, YOLOv8-style output)
# ---------------------------------------------------------------------------

STRIDES = (8, 16, 32)


class Detector(nn.Module):
    """Tiny three-level anchor-free detector.

    forward(x) -> list of raw maps (B, 4 + nc, H/s, W/s) for strides 8, 16, 32.
    Channels 0-3 are softplus-distances (left, top, right, bottom) in stride units,
    channel 4.. are class logits.
    """

    def __init__(self, nc: int = 1):
        super().__init__()
        self.nc = nc
        self.stem = nn.Sequential(cbr(3, 16, 3, 2), cbr(16, 24, 3, 2))  # /4
        self.c8 = nn.Sequential(cbr(24, 32, 3, 2), cbr(32, 32))  # /8
        self.c16 = nn.Sequential(cbr(32, 64, 3, 2), cbr(64, 64))  # /16
        # /32, with a dilated conv so a lesion filling a dermoscopy frame fits in the receptive field
        self.c32 = nn.Sequential(cbr(64, 96, 3, 2), cbr(96, 96), cbr(96, 96, 3, 1, 2))
        self.lat16 = cbr(64 + 96, 64, 1)
        self.lat8 = cbr(32 + 64, 32, 1)
        no = 4 + nc
        self.h8 = nn.Sequential(cbr(32, 32), nn.Conv2d(32, no, 1))
        self.h16 = nn.Sequential(cbr(64, 64), nn.Conv2d(64, no, 1))
        self.h32 = nn.Sequential(cbr(96, 96), nn.Conv2d(96, no, 1))
        # start with low objectness (prior 0.01) like RetinaNet/YOLO
        for h in (self.h8, self.h16, self.h32):
            nn.init.constant_(h[-1].bias[4:], -4.6)
            nn.init.constant_(h[-1].bias[:4], 0.5)

    def forward(self, x):
        x = self.stem(x)
        p8 = self.c8(x)
        p16 = self.c16(p8)
        p32 = self.c32(p16)
        n16 = self.lat16(torch.cat([p16, F.interpolate(p32, scale_factor=2.0, mode="nearest")], 1))
        n8 = self.lat8(torch.cat([p8, F.interpolate(n16, scale_factor=2.0, mode="nearest")], 1))
        return [self.h8(n8), self.h16(n16), self.h32(p32)]


def make_anchors(h: int, w: int, strides=STRIDES):
    """Anchor centres (N, 2) in input pixels and their strides (N,), level-major, row-major."""
    pts, st = [], []
    for s in strides:
        gh, gw = h // s, w // s
        ys, xs = torch.meshgrid(torch.arange(gh, dtype=torch.float32), torch.arange(gw, dtype=torch.float32),
                                indexing="ij")
        pts.append(torch.stack([(xs.flatten() + 0.5) * s, (ys.flatten() + 0.5) * s], 1))
        st.append(torch.full((gh * gw,), float(s)))
    return torch.cat(pts), torch.cat(st)


def flatten_raw(raws):
    """list of (B, C, H, W) -> (B, C, N)."""
    return torch.cat([r.flatten(2) for r in raws], 2)


def decode_xyxy(raw, anchors, strides):
    """raw (B, 4+nc, N) -> boxes (B, N, 4) x1y1x2y2 in input pixels."""
    d = F.softplus(raw[:, :4]) * strides.view(1, 1, -1)
    a = anchors.t().unsqueeze(0)  # (1, 2, N)
    x1y1 = a - d[:, :2]
    x2y2 = a + d[:, 2:]
    return torch.cat([x1y1, x2y2], 1).transpose(1, 2)


class ExportDetector(nn.Module):
    """Wraps Detector with the box decoding baked in, for a fixed square input size.

    Output (B, 4 + nc, N): cx, cy, w, h in input pixels, then sigmoid class scores -
    the Ultralytics YOLOv8/YOLO11 `output0` layout.
    """

    def __init__(self, det: Detector, size: int = 320):
        super().__init__()
        self.det = det
        anchors, strides = make_anchors(size, size)
        self.register_buffer("anchors", anchors.t().unsqueeze(0).contiguous())  # (1, 2, N)
        self.register_buffer("strides", strides.view(1, 1, -1).contiguous())  # (1, 1, N)

    def forward(self, images):
        raw = flatten_raw(self.det(images))
        d = F.softplus(raw[:, :4]) * self.strides
        x1y1 = self.anchors - d[:, :2]
        x2y2 = self.anchors + d[:, 2:]
        xy = (x1y1 + x2y2) * 0.5
        wh = x2y2 - x1y1
        return torch.cat([xy, wh, torch.sigmoid(raw[:, 4:])], 1)


def giou(a, b, eps=1e-7):
    """Generalised IoU of matching rows of (K, 4) x1y1x2y2 boxes."""
    ix1 = torch.max(a[:, 0], b[:, 0])
    iy1 = torch.max(a[:, 1], b[:, 1])
    ix2 = torch.min(a[:, 2], b[:, 2])
    iy2 = torch.min(a[:, 3], b[:, 3])
    inter = (ix2 - ix1).clamp(min=0) * (iy2 - iy1).clamp(min=0)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a + area_b - inter + eps
    iou = inter / union
    cx1 = torch.min(a[:, 0], b[:, 0])
    cy1 = torch.min(a[:, 1], b[:, 1])
    cx2 = torch.max(a[:, 2], b[:, 2])
    cy2 = torch.max(a[:, 3], b[:, 3])
    carea = (cx2 - cx1) * (cy2 - cy1) + eps
    return iou - (carea - union) / carea, iou


# size ranges (max side, input pixels) handled by each level; overlapping on purpose
LEVEL_RANGES = {8: (0, 64), 16: (32, 160), 32: (96, 1e9)}


def assign(gt, ignore, anchors, strides, radius=1.5):
    """Centre assignment for one image.

    gt: (G, 4) x1y1x2y2; ignore: (J, 4) boxes whose anchors are neither positive nor negative.
    Returns (pos_index (P,), matched gt index (P,), weight (N,) for the class loss).
    """
    n = anchors.shape[0]
    weight = torch.ones(n)
    if ignore is not None and len(ignore):
        ax, ay = anchors[:, 0:1], anchors[:, 1:2]
        inside = (ax > ignore[:, 0]) & (ax < ignore[:, 2]) & (ay > ignore[:, 1]) & (ay < ignore[:, 3])
        weight[inside.any(1)] = 0.0
    if gt is None or len(gt) == 0:
        return torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.long), weight
    cx = (gt[:, 0] + gt[:, 2]) / 2
    cy = (gt[:, 1] + gt[:, 3]) / 2
    size = torch.max(gt[:, 2] - gt[:, 0], gt[:, 3] - gt[:, 1])
    area = (gt[:, 2] - gt[:, 0]) * (gt[:, 3] - gt[:, 1])
    ax, ay = anchors[:, 0:1], anchors[:, 1:2]  # (N, 1)
    s = strides[:, None]
    lo = torch.zeros_like(s)
    hi = torch.zeros_like(s)
    for st, (a, b) in LEVEL_RANGES.items():
        m = strides == st
        lo[m], hi[m] = a, b
    level_ok = (size[None] > lo) & (size[None] <= hi)
    near = ((ax - cx[None]).abs() < radius * s) & ((ay - cy[None]).abs() < radius * s)
    inside = (ax > gt[None, :, 0]) & (ax < gt[None, :, 2]) & (ay > gt[None, :, 1]) & (ay < gt[None, :, 3])
    cand = level_ok & near & inside
    # a box smaller than the stride may contain no anchor centre: take the nearest one
    dist = (ax - cx[None]) ** 2 + (ay - cy[None]) ** 2
    dist_l = torch.where(level_ok, dist, torch.full_like(dist, 1e12))
    nearest = dist_l.argmin(0)
    cand[nearest, torch.arange(len(gt))] = True
    # an anchor claimed by two boxes goes to the smaller one
    cost = torch.where(cand, area[None].expand_as(cand), torch.full(cand.shape, 1e12))
    best = cost.argmin(1)
    pos = cand.any(1)
    idx = torch.nonzero(pos).flatten()
    weight[idx] = 1.0
    return idx, best[idx], weight


def detector_loss(raws, gts, ignores, img_hw):
    """BCE objectness over all anchors + GIoU on positives, normalised by the positive count."""
    raw = flatten_raw(raws)  # (B, C, N)
    anchors, strides = make_anchors(*img_hw)
    boxes = decode_xyxy(raw, anchors, strides)  # (B, N, 4)
    logits = raw[:, 4]  # (B, N) (one class)
    b = raw.shape[0]
    target = torch.zeros_like(logits)
    wts = torch.ones_like(logits)
    pb, tb = [], []
    npos = 0
    for i in range(b):
        idx, gi, w = assign(gts[i], ignores[i], anchors, strides)
        wts[i] = w
        if len(idx):
            target[i, idx] = 1.0
            pb.append(boxes[i, idx])
            tb.append(gts[i][gi])
            npos += len(idx)
    norm = max(npos, 1)
    cls = (F.binary_cross_entropy_with_logits(logits, target, reduction="none") * wts).sum() / norm
    if pb:
        g, iou = giou(torch.cat(pb), torch.cat(tb))
        box = (1 - g).sum() / norm
    else:
        box = raw.sum() * 0.0
    return cls + 2.0 * box, cls.detach(), box.detach()
