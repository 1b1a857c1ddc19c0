"""The sample case ("Open the sample case" on the start page).

A hook another engineer fills in: it should return the path of a ready-to-open sample
case (built from resources/sample under paths.data_dir()). Until then it says so plainly.
"""

from __future__ import annotations

from pathlib import Path

from ..core.errors import ReviewError


def open_sample() -> Path:
    """Path to the sample case file, created on first use."""
    raise ReviewError("The sample case is not available in this version yet; create a new case "
                      "and add a footage file to try bwv-review.")
