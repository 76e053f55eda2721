"""JSON writer matching the repository's formatter (Biome: 2-space indent, line width 110).

Objects are always expanded one key per line; an array stays on one line when that line fits.
"""
from __future__ import annotations

import json

WIDTH = 110


def _flat(v):
    if isinstance(v, dict):
        return None
    if isinstance(v, list):
        parts = [_flat(x) for x in v]
        if any(p is None for p in parts):
            return None
        return "[" + ", ".join(parts) + "]"
    return json.dumps(v, ensure_ascii=False)


def _dump(v, indent, used):
    pad = " " * indent
    if isinstance(v, dict):
        if not v:
            return "{}"
        items = list(v.items())
        lines = []
        for i, (k, x) in enumerate(items):
            prefix = f"{pad}  {json.dumps(str(k), ensure_ascii=False)}: "
            comma = "," if i < len(items) - 1 else ""
            lines.append(prefix + _dump(x, indent + 2, len(prefix) + len(comma)) + comma)
        return "{\n" + "\n".join(lines) + "\n" + pad + "}"
    if isinstance(v, list):
        if not v:
            return "[]"
        flat = _flat(v)
        if flat is not None and used + len(flat) <= WIDTH:
            return flat
        lines = []
        for i, x in enumerate(v):
            comma = "," if i < len(v) - 1 else ""
            lines.append(pad + "  " + _dump(x, indent + 2, indent + 2 + len(comma)) + comma)
        return "[\n" + "\n".join(lines) + "\n" + pad + "]"
    return json.dumps(v, ensure_ascii=False)


def dumps(obj) -> str:
    return _dump(obj, 0, 0) + "\n"


def write(path, obj):
    with open(path, "w") as f:
        f.write(dumps(obj))
