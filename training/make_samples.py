"""Write the committed demo images in samples/ (synthetic, with .meta.json sidecars).

Each sample is drawn with a fixed seed; if the trained models do not get it right
(detector: exactly one box at conf 0.25 overlapping the drawn lesion with IoU >= 0.5;
classifier: the intended label as top-1 with probability >= 0.6, on the crop the
orchestrator would make from the detected box), the next seed is tried.
"""
from __future__ import annotations

import io
import os

import numpy as np
import torch
from PIL import Image

import jsonfmt
import metrics as M
import nets
import synthetic_skin as S

JPEG_QUALITY = 88
MAX_BYTES = 120 * 1024

# file, kind, class, size (w, h), skin tone range, sidecar
SPECS = [
    ("localized-melanoma-back.jpg", "localized", 1, (720, 540), (0.3, 1.5),
     {"extent": "localized", "bodySite": "back", "age": 61, "sex": "male", "specialty": "dermatology",
      "durationDays": 90,
      "notes": "Pigmented lesion on the upper back noticed by his partner; it has grown and darkened over "
               "3 months."}),
    ("localized-nevus-forearm.jpg", "localized", 0, (640, 480), (1.8, 3.2),
     {"extent": "localized", "bodySite": "forearm", "age": 34, "sex": "female", "specialty": "dermatology",
      "durationDays": 3650, "notes": "Long-standing mole, unchanged according to the patient. Routine skin check."}),
    ("localized-vascular-lesion-chest.jpg", "localized", 4, (600, 600), (0.3, 1.6),
     {"extent": "localized", "bodySite": "chest", "age": 47, "sex": "male", "specialty": "dermatology",
      "durationDays": 540, "notes": "Bright red dome-shaped papule; bleeds occasionally after minor trauma."}),
    ("localized-seborrheic-keratosis-shoulder.jpg", "localized", 2, (680, 510), (0.8, 2.5),
     {"extent": "localized", "bodySite": "shoulder", "age": 72, "sex": "female", "specialty": "dermatology",
      "durationDays": 730, "notes": "Slowly enlarging waxy brown plaque that catches on clothing and is itchy at times."}),
    ("localized-basal-cell-carcinoma-temple.jpg", "localized", 3, (640, 480), (0.2, 1.5),
     {"extent": "localized", "bodySite": "temple", "age": 68, "sex": "male", "specialty": "dermatology",
      "durationDays": 240,
      "notes": "Pearly papule that has bled twice and not healed. Long history of outdoor work."}),
    ("widespread-psoriasis-trunk.jpg", "widespread", 0, (800, 600), (1.0, 3.6),
     {"extent": "widespread", "bodySite": "trunk", "age": 38, "sex": "male", "specialty": "dermatology",
      "durationDays": 240,
      "notes": "Itchy scaly plaques on the trunk, elbows and knees, worse in winter. Father has psoriasis."}),
    ("widespread-urticaria-trunk.jpg", "widespread", 1, (720, 540), (0.3, 2.0),
     {"extent": "widespread", "bodySite": "trunk", "age": 27, "sex": "female", "specialty": "dermatology",
      "durationDays": 3,
      "notes": "Itchy raised welts that come and go within hours, started two days after a new antibiotic. "
               "No lip or tongue swelling."}),
    ("widespread-morbilliform-trunk.jpg", "widespread", 2, (700, 525), (0.3, 2.5),
     {"extent": "widespread", "bodySite": "trunk", "age": 9, "sex": "male", "specialty": "dermatology",
      "durationDays": 2,
      "notes": "Fine red rash that began on the trunk 8 days after starting amoxicillin. Mild fever."}),
    ("widespread-petechiae-legs.jpg", "widespread", 3, (560, 746), (0.5, 3.0),
     {"extent": "widespread", "bodySite": "legs", "age": 63, "sex": "female", "specialty": "dermatology",
      "durationDays": 4,
      "notes": "Non-blanching pinpoint red-purple spots on both lower legs, noticed 4 days ago. "
               "Recent nosebleeds."}),
]

MEAN = torch.tensor(nets.IMAGENET_MEAN).view(1, 3, 1, 1)
STD = torch.tensor(nets.IMAGENET_STD).view(1, 3, 1, 1)


def _t(u8):
    return torch.from_numpy(np.ascontiguousarray(u8)).permute(2, 0, 1)[None].float() / 255.0


@torch.no_grad()
def detect(det_export, img, conf=0.25, iou=0.45):
    """Letterbox -> detector -> threshold + NMS -> boxes in original pixels."""
    lb, r, px, py = S.letterbox(img, 320)
    out = det_export(_t(lb))[0].numpy()
    boxes, scores, _ = M.postprocess_yolo(out, conf, iou)
    boxes = (boxes - np.array([px, py, px, py], np.float32)) / r
    h, w, _ = img.shape
    boxes = np.clip(boxes, 0, [w, h, w, h])
    return boxes, scores


@torch.no_grad()
def classify(model, img128):
    logits = model((_t(img128) - MEAN) / STD)
    return torch.softmax(logits, 1)[0].numpy()


def squash(img, size=128):
    return np.asarray(Image.fromarray(img).resize((size, size), Image.BILINEAR))


def encode(img):
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return buf.getvalue()


def run(det_export, lesion_model, rash_model, out_dir, log=print, max_tries=80):
    os.makedirs(out_dir, exist_ok=True)
    records = []
    for k, (fname, kind, cls, (w, h), tones, meta) in enumerate(SPECS):
        ok = False
        for attempt in range(max_tries):
            rng = np.random.default_rng([7, 900 + k, attempt])
            tone = rng.uniform(*tones)
            if kind == "localized":
                img, gt = S.render_localized(rng, w, h, classes=[cls], size_scale=(1.3, 1.8), tone=tone,
                                             background=False, pen=False, hair=int(rng.choice([0, 0, 8])),
                                             camera_q=96, blur=0.4)
                if len(gt) != 1:
                    continue
            else:
                img = S.render_widespread(rng, w, h, cls, tone=tone, background=False, camera_q=96, blur=0.4)
            data = encode(img)
            if len(data) > MAX_BYTES:
                continue
            dec = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
            rec = {"file": fname, "extent": kind, "label": (S.LESION_LABELS if kind == "localized" else S.RASH_LABELS)[cls],
                   "seedAttempt": attempt, "bytes": len(data), "width": w, "height": h}
            if kind == "localized":
                boxes, scores = detect(det_export, dec)
                if len(boxes) != 1:
                    continue
                iou = float(M.iou_matrix(boxes, np.array([gt[0][:4]]))[0, 0])
                if iou < 0.5 or scores[0] < 0.5:
                    continue
                p = classify(lesion_model, S.padded_crop(dec, boxes[0], 0.15, 128))
                if p.argmax() != cls or p[cls] < 0.6:
                    continue
                rec.update({"detectorBox": [round(float(v), 1) for v in boxes[0]], "detectorScore": round(float(scores[0]), 3),
                            "drawnBox": [round(float(v), 1) for v in gt[0][:4]], "iou": round(iou, 3),
                            "probability": round(float(p[cls]), 3)})
            else:
                p = classify(rash_model, squash(dec))
                if p.argmax() != cls or p[cls] < 0.7:
                    continue
                rec["probability"] = round(float(p[cls]), 3)
            with open(os.path.join(out_dir, fname), "wb") as f:
                f.write(data)
            jsonfmt.write(os.path.join(out_dir, fname + ".meta.json"), meta)
            records.append(rec)
            log(f"  sample {fname}: {rec}")
            ok = True
            break
        if not ok:
            log(f"  WARNING: no seed gave a correctly handled {fname} in {max_tries} tries; sample not written")
    write_readme(out_dir, records)
    return records


def write_readme(out_dir, records):
    lines = [
        "# Demo samples",
        "",
        "These images are **synthetic**: drawn procedurally by `training/synthetic_skin.py` and written by",
        "`training/train_all.py` (see `training/README.md`). They show no real patient, and the sidecar",
        "details (age, sex, body site, duration, notes) are invented for the demo.",
        "",
        "Each image has a sidecar `<file name>.meta.json` with the clinical context the pipeline reads",
        "(`extent`, `bodySite`, `age`, `sex`, `specialty`, `durationDays`, `notes`). Every sample was checked",
        "against the bundled demo models when it was written: for localized images the detector finds exactly",
        "one box (confidence 0.25, NMS IoU 0.45) overlapping the drawn lesion, and the lesion classifier gives",
        "the intended label on the 15%-padded crop of that box; for widespread images the rash classifier gives",
        "the intended label on the whole image.",
        "",
        "| file | extent | intended label | model probability |",
        "| --- | --- | --- | --- |",
    ]
    for r in records:
        lines.append(f"| `{r['file']}` | {r['extent']} | `{r['label']}` | {r['probability']:.2f} |")
    lines += [
        "",
        "Demo material only: the models are trained on synthetic images and are not for clinical use.",
        "",
    ]
    with open(os.path.join(out_dir, "README.md"), "w") as f:
        f.write("\n".join(lines))


def parity_inputs(out_dir, records):
    """Real-looking inputs for the ONNX parity check, taken from the written samples."""
    loc = next((r for r in records if r["extent"] == "localized"), None)
    wide = next((r for r in records if r["extent"] == "widespread"), None)
    if loc is None or wide is None:  # (only in smoke runs) fall back to random inputs
        g = torch.Generator().manual_seed(1)
        return {"detector": torch.rand(1, 3, 320, 320, generator=g), "lesion": torch.randn(1, 3, 128, 128, generator=g),
                "rash": torch.randn(1, 3, 128, 128, generator=g)}
    img = np.asarray(Image.open(os.path.join(out_dir, loc["file"])).convert("RGB"))
    lb, _, _, _ = S.letterbox(img, 320)
    crop = S.padded_crop(img, loc["detectorBox"], 0.15, 128)
    rimg = np.asarray(Image.open(os.path.join(out_dir, wide["file"])).convert("RGB"))
    return {"detector": _t(lb), "lesion": (_t(crop) - MEAN) / STD, "rash": (_t(squash(rimg)) - MEAN) / STD}
