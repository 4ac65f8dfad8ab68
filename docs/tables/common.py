"""Helpers of the docs' table scripts (docs/tables/*.py)."""
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return json.load(f)


def energy(pj):
    """As format_energy (core/units.hpp): two decimals in the largest unit that keeps the number >= 1."""
    for unit, scale in (("J", 1e12), ("mJ", 1e9), ("µJ", 1e6), ("nJ", 1e3)):
        if round(pj / scale, 2) >= 1:
            return f"{pj / scale:.2f} {unit}"
    return f"{pj:.2f} pJ"


def percent(x, digits=1):
    return f"{100 * x:.{digits}f}%"
