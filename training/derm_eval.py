"""Loads ../shared/data/derm-eval (real HAM10000 dermoscopy, CC BY-NC 4.0) for MEASURING only.

Nothing here is ever used to train, fine-tune or select a model: the scripts that import it
only run exported ONNX files on the images and print figures. The images are never copied.
"""
from __future__ import annotations

import csv
import os
from collections import OrderedDict

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DIR = os.path.join(os.path.dirname(HERE), "..", "shared", "data", "derm-eval")

# HAM10000 diagnosis -> the demo lesion classifier's label (AKIEC and DF have no demo class)
DX_TO_LABEL = {"NV": "melanocytic-nevus", "MEL": "melanoma", "BKL": "seborrheic-keratosis",
               "BCC": "basal-cell-carcinoma", "VASC": "vascular-lesion"}


def load(folder=DEFAULT_DIR):
    """[(file, dx, boxes (k, 4) as fractions x0 y0 x1 y1)] in labels.csv order, one entry per image."""
    items = OrderedDict()
    with open(os.path.join(folder, "labels.csv"), newline="") as f:
        for row in csv.DictReader(f):
            box = [float(row[k]) for k in ("x_min", "y_min", "x_max", "y_max")]
            items.setdefault(row["file"], (row["dx"], []))[1].append(box)
    return [(name, dx, np.array(boxes, np.float64)) for name, (dx, boxes) in items.items()]


def image(folder, name):
    return np.asarray(Image.open(os.path.join(folder, name)).convert("RGB"))


def available(folder=DEFAULT_DIR):
    return os.path.exists(os.path.join(folder, "labels.csv"))
