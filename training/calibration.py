"""Temperature scaling and the energy out-of-distribution threshold (numpy + scipy).

Both are fitted on a calibration half of a held-out synthetic set and reported on the
other half, so the figures in the cards are not measured on the data they were fitted on.
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, logsumexp, softmax


def nll(logits, labels, t):
    return float(-log_softmax(logits / t, axis=1)[np.arange(len(labels)), labels].mean())


def fit_temperature(logits, labels):
    """The T > 0 minimising the negative log-likelihood of softmax(logits / T)."""
    res = minimize_scalar(lambda t: nll(logits, labels, t), bounds=(0.05, 20.0), method="bounded")
    return float(res.x)


def ece(logits, labels, t=1.0, bins=15):
    """Expected calibration error of the top-1 probability, equal-width bins."""
    p = softmax(logits / t, axis=1)
    conf, pred = p.max(1), p.argmax(1)
    correct = pred == labels
    edges = np.linspace(0, 1, bins + 1)
    e = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (conf > lo) & (conf <= hi)
        if m.any():
            e += m.mean() * abs(correct[m].mean() - conf[m].mean())
    return float(e)


def energy(logits, t=1.0):
    """Energy score -T log sum exp(logits / T): higher means less familiar."""
    return -t * logsumexp(logits / t, axis=1)


def fit_energy_threshold(in_logits, keep=0.95, t=1.0):
    """The energy below which `keep` of the in-distribution calibration images fall."""
    return float(np.quantile(energy(in_logits, t), keep))


def ood_report(in_logits, out_logits, threshold, t=1.0):
    """Share of in-distribution images flagged (false alarms) and of non-skin images flagged (caught)."""
    e_in, e_out = energy(in_logits, t), energy(out_logits, t)
    # AUROC: probability a non-skin image scores higher than an in-distribution one
    allv = np.concatenate([e_in, e_out])
    ranks = allv.argsort().argsort() + 1
    auroc = (ranks[len(e_in):].sum() - len(e_out) * (len(e_out) + 1) / 2) / (len(e_in) * len(e_out))
    return {"inDistributionFlagged": round(float((e_in > threshold).mean()), 4),
            "nonSkinFlagged": round(float((e_out > threshold).mean()), 4), "auroc": round(float(auroc), 4)}
