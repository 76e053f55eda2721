"""Run an exported ONNX model through onnxruntime-node (Debian's Python has no onnxruntime).

The evaluation scripts measure the file the orchestrator loads, not the torch weights.
"""
from __future__ import annotations

import os
import subprocess
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run(model_path, images_u8, mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0), chunk=256):
    """images_u8 (N, H, W, 3) uint8 -> first output of the model, float32 (N, ...)."""
    n, h, w, _ = images_u8.shape
    outs = []
    with tempfile.TemporaryDirectory(prefix="ddx-onnx-") as tmp:
        src, dst = os.path.join(tmp, "in.u8"), os.path.join(tmp, "out.f32")
        for s in range(0, n, chunk):
            part = np.ascontiguousarray(images_u8[s:s + chunk])
            part.tofile(src)
            subprocess.run(["node", os.path.join(HERE, "run_onnx.mjs"), model_path, src, str(len(part)), str(h),
                            str(w), ",".join(map(str, mean)), ",".join(map(str, std)), dst],
                           cwd=ROOT, check=True, timeout=1800)
            outs.append(np.fromfile(dst, np.float32).reshape(len(part), -1))
    return np.concatenate(outs)
