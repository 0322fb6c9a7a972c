"""Shared figures for the benchmarks."""

from __future__ import annotations


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def p99(samples: list[float]) -> float:
    return percentile(samples, 0.99)
