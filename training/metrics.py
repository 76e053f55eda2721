"""Detection post-processing and metrics (numpy only)."""
from __future__ import annotations

import numpy as np


def iou_matrix(a, b):
    """IoU of (n,4) x (m,4) x1y1x2y2 boxes."""
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    ix1 = np.maximum(a[:, None, 0], b[None, :, 0])
    iy1 = np.maximum(a[:, None, 1], b[None, :, 1])
    ix2 = np.minimum(a[:, None, 2], b[None, :, 2])
    iy2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(ix2 - ix1, 0, None) * np.clip(iy2 - iy1, 0, None)
    aa = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    ab = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(aa[:, None] + ab[None, :] - inter, 1e-9)


def nms(boxes, scores, iou_thr):
    order = np.argsort(-scores, kind="stable")
    keep = []
    while len(order):
        i = order[0]
        keep.append(i)
        if len(order) == 1:
            break
        ious = iou_matrix(boxes[i:i + 1], boxes[order[1:]])[0]
        order = order[1:][ious <= iou_thr]
    return np.array(keep, dtype=np.int64)


def postprocess_yolo(out, conf=0.25, iou=0.45):
    """out: (4 + nc, N) one image of YOLOv8-layout output -> (boxes x1y1x2y2 (k,4), scores (k,), classes (k,))."""
    out = np.asarray(out)
    cls_scores = out[4:]
    cls = cls_scores.argmax(0)
    score = cls_scores.max(0)
    m = score >= conf
    cx, cy, w, h = out[0, m], out[1, m], out[2, m], out[3, m]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1)
    score, cls = score[m], cls[m]
    keep = nms(boxes, score, iou) if len(score) else np.zeros(0, np.int64)
    return boxes[keep], score[keep], cls[keep]


def average_precision(dets, gts, iou_thr=0.5):
    """All-point interpolated AP (area under the precision envelope) for one class.

    dets: list per image of (boxes (k,4), scores (k,)); gts: list per image of (g,4).
    Returns (ap, recall at the given detections, precision at the given detections).
    """
    records = []
    for i, (b, s) in enumerate(dets):
        for j in range(len(s)):
            records.append((float(s[j]), i, j))
    n_gt = sum(len(g) for g in gts)
    records.sort(key=lambda r: -r[0])
    matched = [np.zeros(len(g), bool) for g in gts]
    tp = np.zeros(len(records))
    for k, (_, i, j) in enumerate(records):
        g = gts[i]
        if len(g) == 0:
            continue
        ious = iou_matrix(dets[i][0][j:j + 1], g)[0]
        ious[matched[i]] = -1
        best = int(np.argmax(ious))
        if ious[best] >= iou_thr:
            matched[i][best] = True
            tp[k] = 1
    if n_gt == 0:
        return 0.0, 0.0, 0.0
    ctp = np.cumsum(tp)
    cfp = np.cumsum(1 - tp)
    recall = ctp / n_gt
    precision = ctp / np.maximum(ctp + cfp, 1e-9)
    mrec = np.concatenate([[0.0], recall, [recall[-1] if len(recall) else 0.0]])
    mpre = np.concatenate([[1.0], precision, [0.0]])
    for i in range(len(mpre) - 2, -1, -1):
        mpre[i] = max(mpre[i], mpre[i + 1])
    idx = np.where(mrec[1:] != mrec[:-1])[0]
    ap = float(np.sum((mrec[idx + 1] - mrec[idx]) * mpre[idx + 1]))
    rec = float(ctp[-1] / n_gt) if len(ctp) else 0.0
    prec = float(ctp[-1] / max(len(records), 1)) if len(ctp) else 0.0
    return ap, rec, prec
