"""Risk-factor moments suggested for review, from a machine draft and its confidence.

Before watching hours of footage an investigator wants to know where someone may disclose
a recognised domestic-abuse risk factor (strangulation, threats to kill, weapons,
injuries, pregnancy, escalation, separation, fear, children present). This module reads
the current machine draft and lists the passages whose words match the force's list of
risk factors (resources/risk_factors.json, or the force's own copy: see
:func:`load_factors`), and the words the model was unsure of that sound like a risk word
("twangled" for "strangled").

A suggestion is only a pointer to listen to. It is never a mark and never stored: it is
worked out from the draft each time it is shown, so no export can carry it as a finding.
It can miss things (the model can mishear a disclosure beyond recognition), so the whole
recording must still be watched; every place that shows suggestions says so.
"""

from __future__ import annotations

import bisect
import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from .errors import ReviewError
from .transcripts import Segment, Word, all_words

FACTORS_FILE = "risk_factors.json"
CAVEAT = ("Suggestions come from an unverified machine draft and can miss things: the model may mishear or "
          "not hear a disclosure at all. Watch the whole recording; a suggestion is not a mark.")
MERGE_MS = 3000  # matches of one factor closer than this are one suggestion
SOUNDS_LIKE = 0.8  # how close (difflib ratio) an unsure word must be to a risk word
MIN_SOUNDS_LIKE = 5  # letters: "that" is not a mishearing of "throat"
# An unsure sound-alike counts only beside one of these ("he's twangled me", "my throat").
PEOPLE = frozenset("me her him us my he she he's she's he'd she'd they".split())
CONTEXT_WORDS = 12  # at most this many draft words either side of a match shown (and marked) with it
PAUSE_MS = 1000  # a pause this long ends the passage shown with a match
_WORD = r"[\w']+"


_NOT_WORD = re.compile(r"[^\w']|_")


def norm(token: str) -> str:
    """A word as patterns see it: lower case, letters, digits and apostrophes only."""
    return _NOT_WORD.sub("", token.casefold().replace("\u2019", "'")).strip("'")


@dataclass(frozen=True)
class Factor:
    slug: str
    name: str
    reason: str
    category: str
    phrases: tuple[str, ...]
    unless: tuple[str, ...] = ()
    sounds_like: tuple[str, ...] = ()
    patterns: tuple[re.Pattern, ...] = field(default=(), compare=False, repr=False)
    cancels: tuple[re.Pattern, ...] = field(default=(), compare=False, repr=False)
    # for each pattern, the words it cannot match without (a phrase none of whose words the
    # draft has is not searched for: hours of draft stay quick)
    needs: tuple[tuple[tuple[tuple[str, bool], ...], ...], ...] = field(default=(), compare=False, repr=False)
    cancel_needs: tuple[tuple[tuple[tuple[str, bool], ...], ...], ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class Factors:
    factors: tuple[Factor, ...]
    hotwords: tuple[str, ...]
    source: str  # "bundled" or the file it was read from

    def by_slug(self, slug: str) -> Factor:
        return next(f for f in self.factors if f.slug == slug)


@dataclass
class Suggestion:
    """A passage of the draft that may be a disclosure of ``factor``: a pointer, not a finding."""

    factor: str
    name: str
    category: str  # the category a draft mark made from it gets
    start_ms: int
    end_ms: int
    first: int  # index (in the draft's words) of the first word shown with it
    last: int
    words: str  # the draft's words around the match, as the draft has them
    matched: str  # the words that matched
    reason: str
    unsure: bool  # rests on words the model was unsure of, or was told to listen for
    why: str = ""  # the reason without the factor's general sentence: what the draft says, what to listen for

    def as_json(self) -> dict:
        return {"factor": self.factor, "name": self.name, "category": self.category, "start_ms": self.start_ms,
                "end_ms": self.end_ms, "words": self.words, "matched": self.matched, "reason": self.reason,
                "unsure": self.unsure}


# -- the force's list -----------------------------------------------------------------------------
def compile_phrase(phrase: str) -> re.Pattern:
    """One phrase of the list as a regular expression over words joined by single spaces."""
    return _compile(phrase)[0]


def _compile(phrase: str) -> tuple[re.Pattern, tuple[tuple[tuple[str, bool], ...], ...]]:
    """The phrase's expression, and the words it needs: for each literal position, the
    (stem, is_prefix) alternatives one of which the draft must contain."""
    phrase = phrase.strip()
    if phrase.startswith("re:"):
        return re.compile(phrase[3:].strip()), ()
    parts: list[str] = []
    needs: list[tuple[tuple[str, bool], ...]] = []
    gap = False
    for token in phrase.split():
        if token == "...":
            gap = True
            continue
        if token == "*":
            body = _WORD
        else:
            alts, need = [], []
            for alt in token.split("|"):
                stem = norm(alt.rstrip("*"))
                if not stem:
                    raise ValueError(f"{alt!r} has no letters")
                alts.append(re.escape(stem) + (r"[\w']*" if alt.endswith("*") else ""))
                need.append((stem, alt.endswith("*")))
            body = "(?:" + "|".join(alts) + ")"
            needs.append(tuple(need))
        if parts:
            parts.append(r" (?:[\w']+ ){0,3}" if gap else " ")
        parts.append(body)
        gap = False
    if not parts:
        raise ValueError("it is empty")
    return re.compile(r"(?<![\w'])" + "".join(parts) + r"(?![\w'])"), tuple(needs)


def _strings(item: dict, key: str, where: str) -> tuple[str, ...]:
    value = item.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ReviewError(f"{where}: {key!r} must be a list of phrases in quotes.")
    return tuple(value)


def parse_factors(data, source: str) -> Factors:
    """Check and compile a risk-factor list (the JSON shape of resources/risk_factors.json)."""
    if not isinstance(data, dict) or not isinstance(data.get("factors"), list) or not data["factors"]:
        raise ReviewError(f"The risk-factor list {source} has no \"factors\" list.")
    default_category = str(data.get("category") or "risk-factor")
    out = []
    for n, item in enumerate(data["factors"], 1):
        where = f"The risk-factor list {source}, factor {n}"
        if not isinstance(item, dict) or not str(item.get("slug", "")).strip() or not str(item.get("name", "")).strip():
            raise ReviewError(f"{where} needs a \"slug\" and a \"name\".")
        phrases = _strings(item, "phrases", where)
        unless = _strings(item, "unless", where)
        if not phrases:
            raise ReviewError(f"{where} ({item['slug']}) has no phrases to look for.")
        compiled = []
        for phrase in (*phrases, *unless):
            try:
                compiled.append(_compile(phrase))
            except (ValueError, re.error) as exc:
                raise ReviewError(f"{where} ({item['slug']}): the phrase {phrase!r} cannot be used ({exc}).") from exc
        out.append(Factor(
            slug=str(item["slug"]).strip(), name=str(item["name"]).strip(), reason=str(item.get("reason", "")).strip(),
            category=str(item.get("category") or default_category), phrases=phrases, unless=unless,
            sounds_like=tuple(norm(w) for w in _strings(item, "sounds_like", where) if norm(w)),
            patterns=tuple(c[0] for c in compiled[: len(phrases)]), cancels=tuple(c[0] for c in compiled[len(phrases):]),
            needs=tuple(c[1] for c in compiled[: len(phrases)]), cancel_needs=tuple(c[1] for c in compiled[len(phrases):]),
        ))
    slugs = [f.slug for f in out]
    if len(set(slugs)) != len(slugs):
        raise ReviewError(f"The risk-factor list {source} names a factor twice.")
    return Factors(tuple(out), _strings(data, "hotwords", f"The risk-factor list {source}"), source)


def user_factors_path() -> Path:
    """Where a force's own list lives (it replaces the bundled one when present)."""
    from ..paths import config_dir

    return config_dir() / FACTORS_FILE


def load_factors(path: str | Path | None = None) -> Factors:
    """The risk-factor list: ``path`` if given, else the force's copy in the settings folder,
    else the one bundled with bwv-review."""
    if path is None and user_factors_path().is_file():
        path = user_factors_path()
    if path is None:
        text = resources.files("bwv_review.resources").joinpath(FACTORS_FILE).read_text("utf-8")
        return parse_factors(json.loads(text), "bundled with bwv-review")
    path = Path(path)
    try:
        text = path.read_text("utf-8-sig")
    except FileNotFoundError:
        raise ReviewError(f"The risk-factor list {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReviewError(f"The risk-factor list {path} cannot be read ({exc}).") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReviewError(f"The risk-factor list {path} is not valid JSON ({exc.msg}, line {exc.lineno}).") from exc
    return parse_factors(data, str(path))


# -- finding ----------------------------------------------------------------------------------------
@dataclass
class _Hit:
    first: int
    last: int
    sounds_like: str = ""  # the risk word an unsure word sounds like


def _joined(words: Sequence[Word]) -> tuple[str, list[int], list[int]]:
    """The draft's words (normalised, empty ones left out) joined by spaces, each kept
    word's character offset, and its index among all the words."""
    text, offsets, index = [], [], []
    at = 0
    for i, w in enumerate(words):
        n = norm(w.word)
        if not n:
            continue
        offsets.append(at)
        index.append(i)
        text.append(n)
        at += len(n) + 1
    return " ".join(text), offsets, index


def _spans(pattern: re.Pattern, text: str, offsets: list[int], index: list[int]) -> list[tuple[int, int]]:
    out = []
    for m in pattern.finditer(text):
        if m.end() <= m.start():
            continue
        a = bisect.bisect_right(offsets, m.start()) - 1
        b = bisect.bisect_right(offsets, m.end() - 1) - 1
        out.append((index[a], index[b]))
    return out


def _has(vocab: list[str], stem: str, prefix: bool) -> bool:
    i = bisect.bisect_left(vocab, stem)
    return i < len(vocab) and (vocab[i] == stem or (prefix and vocab[i].startswith(stem)))


@dataclass
class _Draft:
    words: Sequence[Word]
    text: str  # normalised words joined by spaces
    offsets: list[int]  # character offset of each kept word
    index: list[int]  # its index among all the words
    vocab: list[str]  # sorted distinct normalised words
    unsure: list[int]  # indexes of the words the model was unsure of

    def spans(self, patterns, needs) -> list[tuple[int, int]]:
        out = []
        for pattern, need in zip(patterns, needs, strict=True):
            if all(any(_has(self.vocab, stem, prefix) for stem, prefix in alts) for alts in need):
                out.extend(_spans(pattern, self.text, self.offsets, self.index))
        return out


def _find(factor: Factor, draft: _Draft) -> list[_Hit]:
    words = draft.words
    cancelled = draft.spans(factor.cancels, factor.cancel_needs)
    hits = [_Hit(a, b) for a, b in draft.spans(factor.patterns, factor.needs)
            if not any(a <= cb and ca <= b for ca, cb in cancelled)]
    covered = {i for h in hits for i in range(h.first, h.last + 1)}
    for i in draft.unsure if factor.sounds_like else ():
        w = words[i]
        if i in covered:
            continue
        n = norm(w.word)
        if len(n) < MIN_SOUNDS_LIKE or any(a <= i <= b for a, b in cancelled):
            continue
        # A misheard disclosure is still about someone: "he's twangled me", not "checking in".
        beside = {norm(words[j].word) for j in (i - 1, i + 1) if 0 <= j < len(words)}
        if not beside & PEOPLE:
            continue
        best = max(factor.sounds_like, key=lambda t: difflib.SequenceMatcher(None, n, t).ratio())
        if n != best and difflib.SequenceMatcher(None, n, best).ratio() >= SOUNDS_LIKE:
            hits.append(_Hit(i, i, best))
    return sorted(hits, key=lambda h: (h.first, h.last))


def _merge(hits: list[_Hit], words: Sequence[Word]) -> list[list[_Hit]]:
    groups: list[list[_Hit]] = []
    for h in hits:
        if groups and words[h.first].start_ms - words[max(g.last for g in groups[-1])].end_ms <= MERGE_MS:
            groups[-1].append(h)
        else:
            groups.append([h])
    return groups


def _quoted(words: Sequence[Word]) -> str:
    return " ".join(w.word for w in words)


def _runs(indexes: list[int], words: Sequence[Word]) -> str:
    """Quoted runs of consecutive words: "would kill me", "the kids"."""
    runs: list[list[int]] = []
    for i in indexes:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return ", ".join(f"\"{_quoted([words[i] for i in run])}\"" for run in runs)


def _joins(words: Sequence[Word], seg_of: list[int], a: int, b: int) -> bool:
    """Whether word b follows word a in the same sentence: same segment, no long pause, and
    a does not end a sentence."""
    return (seg_of[a] == seg_of[b] and words[b].start_ms - words[a].end_ms < PAUSE_MS
            and not words[a].word.rstrip("\"')\u201d").endswith((".", "?", "!")))


def _sentence(words: Sequence[Word], seg_of: list[int], first: int, last: int) -> tuple[int, int]:
    """The words shown (and marked) with a match: its sentence(s), at most CONTEXT_WORDS
    either side, never reaching into another segment (a neighbour's line)."""
    lo, hi = first, last
    while lo > 0 and first - lo < CONTEXT_WORDS and _joins(words, seg_of, lo - 1, lo):
        lo -= 1
    while hi < len(words) - 1 and hi - last < CONTEXT_WORDS and _joins(words, seg_of, hi, hi + 1):
        hi += 1
    return lo, hi


def _suggestion(factor: Factor, group: list[_Hit], words: Sequence[Word], seg_of: list[int]) -> Suggestion:
    first, last = min(h.first for h in group), max(h.last for h in group)
    lo, hi = _sentence(words, seg_of, first, last)
    matched_idx = sorted({i for h in group for i in range(h.first, h.last + 1)})
    matched = [words[i] for i in matched_idx]
    notes = []
    for h in group:
        if h.sounds_like:
            w = words[h.first]
            notes.append(f"the model was unsure of \"{w.word}\" ({w.probability:.2f}), which sounds like "
                         f"\"{h.sounds_like}\"")
    unsure = [w for w in matched if w.low_confidence and not any(h.sounds_like and words[h.first] is w for h in group)]
    if unsure:
        notes.append("the model was unsure of " + ", ".join(f"\"{w.word}\" ({w.probability:.2f})" for w in unsure))
    biased = [w for w in matched if w.biased]
    if biased:
        notes.append("the model was told to listen for " + ", ".join(f"\"{w.word}\"" for w in biased))
    said = _runs(sorted({i for h in group if not h.sounds_like for i in range(h.first, h.last + 1)}), words)
    why = f"The draft says {said}." if said else "A word may have been misheard."
    if notes:
        why += " Listen: " + "; ".join(notes) + "."
    reason = f"{factor.name}: {why[0].lower()}{why[1:]}"
    if factor.reason:
        reason += " " + factor.reason
    return Suggestion(
        factor=factor.slug, name=factor.name, category=factor.category,
        start_ms=words[first].start_ms, end_ms=max(words[last].end_ms, words[first].start_ms),
        first=lo, last=hi, words=_quoted(words[lo : hi + 1]), matched=_quoted(matched), reason=reason,
        unsure=bool(notes), why=why,
    )


def suggest(segments: Sequence[Segment], factors: Factors | None = None) -> list[Suggestion]:
    """Passages of a draft that may disclose a risk factor, in time order (then list order)."""
    factors = factors or load_factors()
    words = all_words(segments)
    if not words:
        return []
    seg_of = [n for n, s in enumerate(segments) for _w in s.words]
    text, offsets, index = _joined(words)
    draft = _Draft(words, text, offsets, index, sorted(set(text.split())),
                   [i for i, w in enumerate(words) if w.low_confidence])
    out = []
    for order, factor in enumerate(factors.factors):
        for group in _merge(_find(factor, draft), words):
            out.append((order, _suggestion(factor, group, words, seg_of)))
    out.sort(key=lambda item: (item[1].start_ms, item[0]))
    return [s for _order, s in out]
