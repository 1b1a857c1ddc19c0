"""The sample case ("Open the sample case" on the start page, ``python main.py --sample``)."""

from __future__ import annotations

from pathlib import Path

from ..core.sample import open_sample_case


def open_sample() -> Path:
    """Path to the sample case file, built in the user's data folder on first use."""
    store = open_sample_case()
    path = store.path
    store.close()
    return path
