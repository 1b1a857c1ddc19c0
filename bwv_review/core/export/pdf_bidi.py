"""One line of text in visual order: levels from the Unicode bidirectional algorithm
(python-bidi's implementation of UAX #9), then rules L1 and L2 on that line."""

from __future__ import annotations

from typing import Any

from bidi import algorithm as uba


def _levels(text: str, base_rtl: bool) -> list[int]:
    storage = uba.get_empty_storage()
    storage["base_level"] = 1 if base_rtl else 0
    storage["base_dir"] = "R" if base_rtl else "L"
    uba.get_embedding_levels(text, storage)
    for i, ch in enumerate(storage["chars"]):
        ch["i"] = i
    uba.explicit_embed_and_overrides(storage)
    uba.resolve_weak_types(storage)
    uba.resolve_neutral_types(storage, False)
    uba.resolve_implicit_levels(storage, False)
    levels = [-1] * len(text)
    for ch in storage["chars"]:
        levels[ch["i"]] = ch["level"]
    last = storage["base_level"]
    for i, level in enumerate(levels):  # embedding controls, removed by the algorithm
        levels[i] = last = level if level >= 0 else last
    return levels


def visual(pieces: list[tuple[str, Any]], text: str, base_rtl: bool) -> list[tuple[str, Any, bool]]:
    """(text, style, rtl) runs in visual order (UAX #9 rules L1-L2 on one line)."""
    levels = _levels(text, base_rtl)
    runs: list[list] = []  # [text, style, level]
    i = 0
    for piece, style in pieces:
        for ch in piece:
            level = levels[i]
            if runs and runs[-1][2] == level and (runs[-1][1] is style or runs[-1][1] == style):
                runs[-1][0] += ch
            else:
                runs.append([ch, style, level])
            i += 1
    base = 1 if base_rtl else 0
    for run in reversed(runs):  # L1: trailing whitespace takes the paragraph level
        if run[0].isspace():
            run[2] = base
        else:
            break
    if runs:
        top = max(r[2] for r in runs)
        lowest_odd = min(r[2] for r in runs if r[2] % 2) if any(r[2] % 2 for r in runs) else top + 1
        for level in range(top, lowest_odd - 1, -1):
            j = 0
            while j < len(runs):
                if runs[j][2] >= level:
                    k = j
                    while k < len(runs) and runs[k][2] >= level:
                        k += 1
                    runs[j:k] = runs[j:k][::-1]
                    j = k
                else:
                    j += 1
    return [(t, s, level % 2 == 1) for t, s, level in runs]
