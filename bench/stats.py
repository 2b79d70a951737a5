"""Percentiles and summaries of latency samples (milliseconds), without numpy."""

import math
from collections.abc import Iterable

PERCENTILES = (50, 90, 95, 99, 99.9)


def percentile(ordered: list[float], p: float) -> float | None:
    """Nearest-rank percentile of an already sorted list."""
    if not ordered:
        return None
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summary(samples: Iterable[float]) -> dict:
    """count, mean, min, the PERCENTILES and max, rounded to 0.01 ms; None values when there are no samples."""
    ordered = sorted(samples)
    out: dict = {"count": len(ordered)}
    if not ordered:
        out.update({"mean": None, "min": None, "max": None, **{_key(p): None for p in PERCENTILES}})
        return out
    out["mean"] = round(sum(ordered) / len(ordered), 2)
    out["min"] = round(ordered[0], 2)
    for p in PERCENTILES:
        out[_key(p)] = round(percentile(ordered, p), 2)
    out["max"] = round(ordered[-1], 2)
    return out


def _key(p: float) -> str:
    return "p" + (str(p).replace(".", "_") if not float(p).is_integer() else str(int(p)))
