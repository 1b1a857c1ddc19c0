"""Runs of one script and direction, so DOCX and HTML can say which way each runs and in what
language a reader's software should treat it (fonts, shaping, line breaking, proofing).

The script says the language only where it can: Kana is Japanese, Hangul Korean; otherwise
the tag names the script with an undetermined language (BCP 47 ``und-Arab``, ``und-Hebr``,
``und-Hani``...), since Arabic script may be Persian or Urdu and Han may be Chinese or
Japanese. Latin, Greek and Cyrillic runs take the document's language.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_SCRIPTS = (  # (first, last, tag, right to left)
    (0x0590, 0x05FF, "und-Hebr", True), (0xFB1D, 0xFB4F, "und-Hebr", True),
    (0x0600, 0x06FF, "und-Arab", True), (0x0750, 0x077F, "und-Arab", True), (0x08A0, 0x08FF, "und-Arab", True),
    (0xFB50, 0xFDFF, "und-Arab", True), (0xFE70, 0xFEFF, "und-Arab", True),
    (0x0700, 0x074F, "und-Syrc", True), (0x0780, 0x07BF, "und-Thaa", True),
    (0x3040, 0x30FF, "ja", False), (0x31F0, 0x31FF, "ja", False), (0xFF66, 0xFF9F, "ja", False),
    (0x1100, 0x11FF, "ko", False), (0x3130, 0x318F, "ko", False), (0xAC00, 0xD7AF, "ko", False),
    (0x2E80, 0x2FDF, "und-Hani", False), (0x3400, 0x4DBF, "und-Hani", False), (0x4E00, 0x9FFF, "und-Hani", False),
    (0xF900, 0xFAFF, "und-Hani", False), (0x20000, 0x3FFFF, "und-Hani", False),
    (0x0900, 0x097F, "und-Deva", False), (0x0E00, 0x0E7F, "und-Thai", False),
)
LATIN = ("", False)


@lru_cache(maxsize=4096)
def _kind(ch: str) -> tuple[str, bool] | None:
    """(language tag, right to left) for a letter; LATIN for other letters; None for the rest."""
    cp = ord(ch)
    for first, last, tag, rtl in _SCRIPTS:
        if first <= cp <= last:
            if unicodedata.category(ch)[0] in "LM" or rtl:
                return tag, rtl
    bidi = unicodedata.bidirectional(ch)
    if bidi in ("R", "AL"):
        return "", True
    return LATIN if bidi == "L" else None


def script_runs(text: str) -> list[tuple[str, str, bool]]:
    """(text, language tag or "", right to left) runs that join back into ``text``. Spaces and
    punctuation between two letters of one script belong to that script's run."""
    if text.isascii():
        return [(text, "", False)] if text else []
    kinds = [_kind(c) for c in text]
    i = 0
    while i < len(kinds):  # a neutral stretch takes the kind of the letters on both sides of it
        if kinds[i] is None:
            j = i
            while j < len(kinds) and kinds[j] is None:
                j += 1
            before = kinds[i - 1] if i else None
            after = kinds[j] if j < len(kinds) else None
            fill = before if before == after and before is not None else LATIN
            for k in range(i, j):
                kinds[k] = fill
            i = j
        else:
            i += 1
    tags = {tag for tag, _ in kinds}
    han = "ja" if "ja" in tags else "ko" if "ko" in tags else None  # Kanji among Kana, Hanja among Hangul
    if han:
        kinds = [(han, rtl) if tag == "und-Hani" else (tag, rtl) for tag, rtl in kinds]
    runs: list[tuple[str, str, bool]] = []
    for ch, (tag, rtl) in zip(text, kinds, strict=True):
        if runs and runs[-1][1] == tag and runs[-1][2] == rtl:
            runs[-1] = (runs[-1][0] + ch, tag, rtl)
        else:
            runs.append((ch, tag, rtl))
    return runs


def base_rtl(text: str) -> bool:
    """Whether a text on its own reads right to left (its first strong character does)."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False
