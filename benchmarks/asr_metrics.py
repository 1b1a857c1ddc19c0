"""Scoring a machine draft against the known words of an evaluation recording.

- word error rate: edit distance between all words said and all words heard / words said;
- risk-word hits: each [bracketed] word or phrase of a line, heard among the words the
  model placed in that line's time (its span, 0.5 s either side);
- false insertions: a risk word heard in a line that does not contain it (most telling in
  the lines with no risk word at all: ``ordinary lines with an insertion``);
- suggestions: each line with a risk factor suggested (that factor) within 2 s of the line,
  and suggestions of a factor that no line within 2 s discloses.

Words are compared case- and punctuation-blind, with numbers and a few spellings folded
("12" = "twelve", "neighbor" = "neighbour", "ok" = "okay").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

NUMBERS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
           "sixteen seventeen eighteen nineteen twenty").split()
SAME = {"ok": "okay", "neighbor": "neighbour", "neighbors": "neighbours", "neighbor's": "neighbour's",
        "mr": "mister", "mrs": "missus", "tv": "telly", "alright": "all right", "'em": "them", "em": "them",
        "favor": "favour", "colour": "color", "20th": "twentieth"}
WINDOW_MS = 500
SUGGEST_MS = 2000


def norm(text: str) -> list[str]:
    out: list[str] = []
    for token in re.sub(r"[^\w' ]+", " ", text.casefold().replace("-", " ")).split():
        token = token.strip("'") if token not in ("'em",) else token
        if not token:
            continue
        if token.isdigit() and int(token) < len(NUMBERS):
            token = NUMBERS[int(token)]
        out.extend(SAME.get(token, token).split())
    return out


def edit_distance(ref: Sequence[str], hyp: Sequence[str]) -> int:
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1]


def contains(words: Sequence[str], phrase: Sequence[str]) -> bool:
    n = len(phrase)
    return any(list(words[i : i + n]) == list(phrase) for i in range(len(words) - n + 1))


@dataclass
class Score:
    said: int = 0
    errors: int = 0
    risk_said: int = 0
    risk_heard: int = 0
    ordinary_lines: int = 0
    ordinary_with_insertion: int = 0
    insertions: int = 0  # risk words heard where not said, in any line
    insertion_examples: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    disclosures: int = 0
    suggested: int = 0
    false_suggestions: int = 0
    false_examples: list[str] = field(default_factory=list)
    unsuggested: list[str] = field(default_factory=list)
    start_errors_ms: list[int] = field(default_factory=list)  # |first word heard - line start|, per line
    sound_s: float = 0.0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    biased_words: int = 0

    def add(self, other: Score) -> None:
        for name, value in vars(other).items():
            mine = getattr(self, name)
            setattr(self, name, mine + value)

    @property
    def wer(self) -> float:
        return self.errors / max(1, self.said)

    @property
    def hit_rate(self) -> float:
        return self.risk_heard / max(1, self.risk_said)

    @property
    def false_insertion_rate(self) -> float:
        return self.ordinary_with_insertion / max(1, self.ordinary_lines)

    @property
    def suggestion_recall(self) -> float:
        return self.suggested / max(1, self.disclosures)

    @property
    def rtf(self) -> float:
        return self.seconds / max(1e-9, self.sound_s)

    def start_error(self, q: float) -> int:
        errors = sorted(self.start_errors_ms)
        return errors[min(len(errors) - 1, int(q * len(errors)))] if errors else 0

    @property
    def cpu_per_s(self) -> float:
        """CPU seconds (all threads) per second of sound: steadier than the wall clock on a shared machine."""
        return self.cpu_seconds / max(1e-9, self.sound_s)


def line_of(lines: list[dict], start_ms: int, end_ms: int) -> int | None:
    """The line a heard word belongs to: the one whose span (WINDOW_MS either side) holds
    the word's middle, the nearest if several or none do."""
    mid = (start_ms + end_ms) / 2
    best, gap = None, None
    for i, line in enumerate(lines):
        d = max(line["start_ms"] - mid, mid - line["end_ms"], 0)
        if gap is None or d < gap:
            best, gap = i, d
    return best if gap is not None and gap <= 4 * WINDOW_MS else None


def _matches(term: tuple[str, bool], word: str) -> bool:
    stem, prefix = term
    return word == stem or (prefix and word.startswith(stem))


def inserted_risk_words(heard: Sequence[str], said: Sequence[str], terms: Sequence[tuple[str, bool]]) -> list[str]:
    """Risk words heard in a line that says no word of the same risk term ("choke" heard
    where "choking" was said is not an insertion: both are chok*)."""
    out = []
    for word in heard:
        matching = [t for t in terms if _matches(t, word)]
        if matching and not any(_matches(t, s) for t in matching for s in said):
            out.append(word)
    return sorted(set(out))


def score(recording: dict, words: list, risk_terms: Sequence[tuple[str, bool]],
          suggestions: list | None = None) -> Score:
    """``words``: the draft's Words (word, start_ms, end_ms); ``suggestions``: objects with
    factor and start_ms / end_ms (core.suggest.Suggestion)."""
    lines = recording["lines"]
    out = Score(sound_s=recording["duration_ms"] / 1000)
    ref = [w for line in lines for w in norm(line["text"])]
    hyp = [w for word in words for w in norm(word.word)]
    out.said, out.errors = len(ref), edit_distance(ref, hyp)
    heard: list[list[str]] = [[] for _ in lines]
    for word in words:
        i = line_of(lines, word.start_ms, word.end_ms)
        if i is not None:
            heard[i].extend(norm(word.word))
        out.biased_words += int(getattr(word, "biased", False))
    placed: list[list] = [[] for _ in lines]
    for word in words:
        i = line_of(lines, word.start_ms, word.end_ms)
        if i is not None:
            placed[i].append(word)
    for line, got_words in zip(lines, placed, strict=True):
        first = norm(line["text"])[:1]
        match = [w for w in got_words if norm(w.word)[:1] == first]
        if first and match:
            out.start_errors_ms.append(abs(match[0].start_ms - line["start_ms"]))
    for line, got in zip(lines, heard, strict=True):
        said = norm(line["text"])
        for phrase in line["risk_words"]:
            out.risk_said += 1
            if contains(got, norm(phrase)):
                out.risk_heard += 1
            else:
                out.misses.append(f"{phrase!r} in {line['text']!r} heard as {' '.join(got)!r}")
        inserted = inserted_risk_words(got, said, risk_terms)
        out.insertions += len(inserted)
        if inserted:
            out.insertion_examples.append(f"{'/'.join(inserted)} in {' '.join(got)!r} (said {line['text']!r})")
        if not line["risk_words"] and not line["factors"]:
            out.ordinary_lines += 1
            out.ordinary_with_insertion += bool(inserted)
    if suggestions is not None:
        for line in lines:
            for factor in line["factors"]:
                out.disclosures += 1
                if any(s.factor == factor and near(s, line) for s in suggestions):
                    out.suggested += 1
                else:
                    out.unsuggested.append(f"{factor} at {line['start_ms'] / 1000:.1f} s: {line['text']!r}")
        for s in suggestions:
            if not any(s.factor in line["factors"] and near(s, line) for line in lines):
                out.false_suggestions += 1
                out.false_examples.append(f"{s.factor} at {s.start_ms / 1000:.1f} s: {s.words!r}")
    return out


def near(suggestion, line: dict, tolerance_ms: int = SUGGEST_MS) -> bool:
    """A suggestion that starts within ``tolerance_ms`` of the time the line is said."""
    return line["start_ms"] - tolerance_ms <= suggestion.start_ms <= line["end_ms"] + tolerance_ms
