"""Render synthetic dermoscopy images to measure the lesion outline (models/lesion-outline.card.json).

Domain-randomised dermoscopy fields of view (training/domain_random.py: lesions 0.6-90 % of the
frame, centred or not, hair, gel bubbles, rulers, pen rings, ink marks, specular highlights,
apertures, colour casts, the six Fitzpatrick types evenly), drawn with a seed no training set
uses. Written outside the repository with a labels.csv shaped like derm-eval's:

  /usr/bin/python3 scripts/assessment/render_dermoscopy_set.py /tmp/ddx-dermoscopy [--images 200]
  npx ddx eval /tmp/ddx-dermoscopy --metadata data/dermoscopy.meta.json --out /tmp/ddx-dermoscopy-report
"""
from __future__ import annotations

import argparse
import csv
import os
import sys

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "training"))
import domain_random as R  # noqa: E402
import synthetic_skin as S  # noqa: E402

# render_fitting_sets.py uses 901 and 902; training/datasets.py 101..302.
SEED = 903


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder")
    parser.add_argument("--images", type=int, default=200)
    args = parser.parse_args()
    os.makedirs(args.folder, exist_ok=True)
    rng = np.random.default_rng(SEED)
    rows = []
    index = 0
    while len(rows) < args.images:
        cls = len(rows) % len(S.LESION_LABELS)
        width, height = int(rng.choice([600, 640, 768])), int(rng.choice([450, 480, 576, 640]))
        image, boxes = R.dermoscopy_scene(rng, width, height, cls, R.fitzpatrick(len(rows), rng))
        index += 1
        if not boxes:  # the lesion fell outside the frame: draw another
            continue
        x0, y0, x1, y1, _ = boxes[0]
        name = f"dermoscopy-{len(rows):04d}.jpg"
        Image.fromarray(image).save(os.path.join(args.folder, name), quality=90)
        rows.append([name, S.LESION_LABELS[cls], *(f"{v:.4f}" for v in (x0 / width, y0 / height, x1 / width, y1 / height)),
                     "synthetic-dermoscopy", str(len(rows) % 6 + 1)])
    with open(os.path.join(args.folder, "labels.csv"), "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "dx", "x_min", "y_min", "x_max", "y_max", "set", "fitzpatrick"])
        writer.writerows(rows)
    print(f"{len(rows)} images ({index} drawn) in {args.folder}")


if __name__ == "__main__":
    main()
