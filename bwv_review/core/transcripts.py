"""Machine-draft transcripts stored in a case: what a speech-to-text model heard, with word times.

A draft is a reviewer's aid, never evidence: a model can turn "he grabbed me by the throat"
into something else entirely. So a draft lives in its own tables, apart from annotations,
and everything that shows it says it is an unverified machine draft. Words a reviewer
checks against the sound become annotations (see :func:`annotation_from_words`), and a new
run replaces only the previous draft, never an annotation.

One exhibit has at most one current draft (its newest run). Saving a run is one audited
transaction ("transcript.create", or "transcript.replace" with the old run as "before"),
and the run keeps a SHA-256 of its segments so a draft edited behind the app's back shows.
Times are file milliseconds with 0 = the first video frame, as for annotations.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

from . import audit
from .errors import ReviewError
from .model import Annotation, Exhibit, from_row
from .store import CaseStore
from .timecode import now_iso

# Below this the model was unsure of a word: shown marked, for the reviewer to listen to first.
LOW_CONFIDENCE = 0.5
# Starts the note of an annotation made from draft words; exports look for it to say the
# quote came from a machine and (until verified) has not been checked by a person.
MACHINE_NOTE = "From the machine draft transcript"
MACHINE_SOURCE = "machine-draft"  # annotation.source for words taken from the draft


@dataclass
class Word:
    word: str
    start_ms: int
    end_ms: int
    probability: float
    # True when a decoding setting (hotwords, an initial prompt) pushed the model toward this
    # word: it may have been heard because it was expected, so it is listened to first.
    biased: bool = False

    @property
    def low_confidence(self) -> bool:
        return self.probability < LOW_CONFIDENCE

    @property
    def needs_listening(self) -> bool:
        return self.biased or self.low_confidence


@dataclass
class Segment:
    start_ms: int
    end_ms: int
    text: str
    words: list[Word] = field(default_factory=list)
    avg_logprob: float | None = None
    no_speech_prob: float | None = None


@dataclass
class TranscriptRun:
    id: int
    exhibit_id: int
    model: str
    model_path: str
    language: str
    started: str
    finished: str
    reviewer: str
    parameters: dict
    segment_count: int
    sha256: str


# -- JSON shape -----------------------------------------------------------------------
def segment_json(seg: Segment) -> dict:
    """The published shape of one segment (``bwv-review transcript --json``): each word with
    its probability, ``unsure`` (below LOW_CONFIDENCE) and ``biased`` (a setting pushed the
    model toward it)."""
    return {
        "start_ms": seg.start_ms,
        "end_ms": seg.end_ms,
        "text": seg.text,
        "words": [
            {"start_ms": w.start_ms, "end_ms": w.end_ms, "word": w.word, "probability": round(w.probability, 4),
             "unsure": w.low_confidence, "biased": w.biased}
            for w in seg.words
        ],
    }


def as_json(segments: Iterable[Segment]) -> list[dict]:
    return [segment_json(s) for s in segments]


def _canonical(seg: Segment) -> dict:
    # The shape drafts have been hashed in since they were first stored; "biased" is added
    # only where true, so a draft made before biased words were marked keeps its hash.
    words = []
    for w in seg.words:
        item = {"start_ms": w.start_ms, "end_ms": w.end_ms, "word": w.word, "probability": round(w.probability, 4)}
        if w.biased:
            item["biased"] = True
        words.append(item)
    return {"start_ms": seg.start_ms, "end_ms": seg.end_ms, "text": seg.text, "words": words}


def content_hash(segments: Iterable[Segment]) -> str:
    canonical = json.dumps([_canonical(s) for s in segments], ensure_ascii=False, sort_keys=True,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# -- reading --------------------------------------------------------------------------
def _exhibit(store: CaseStore, exhibit: str | Exhibit) -> Exhibit:
    return exhibit if isinstance(exhibit, Exhibit) else store.exhibit(exhibit)


def _run(row: dict) -> TranscriptRun:
    row = dict(row)
    row["parameters"] = json.loads(row["parameters"] or "{}")
    for key in ("model_path", "language", "started", "finished", "reviewer", "sha256"):
        row[key] = row[key] or ""
    return from_row(TranscriptRun, row)


def current_run(store: CaseStore, exhibit: str | Exhibit) -> TranscriptRun | None:
    """The exhibit's current machine draft (its newest run), or None if it has none."""
    ex = _exhibit(store, exhibit)
    rows = list(
        store.db.query("SELECT * FROM transcript_run WHERE exhibit_id = ? ORDER BY id DESC LIMIT 1", [ex.id])
    )
    return _run(rows[0]) if rows else None


def _segments_of_run(store: CaseStore, run_id: int) -> list[Segment]:
    out = []
    for row in store.db.query(
        "SELECT * FROM transcript_segment WHERE run_id = ? ORDER BY position", [run_id]
    ):
        words = [Word(**w) for w in json.loads(row["words"])]
        out.append(
            Segment(row["start_ms"], row["end_ms"], row["text"], words, row["avg_logprob"], row["no_speech_prob"])
        )
    return out


def segments(store: CaseStore, exhibit: str | Exhibit) -> list[Segment]:
    """The current draft's segments in time order ([] when there is no draft)."""
    run = current_run(store, exhibit)
    return [] if run is None else _segments_of_run(store, run.id)


def require_draft(store: CaseStore, exhibit: str | Exhibit) -> tuple[TranscriptRun, list[Segment]]:
    ex = _exhibit(store, exhibit)
    run = current_run(store, ex)
    if run is None:
        raise ReviewError(
            f"Exhibit {ex.ref} has no machine draft transcript yet; make one with "
            f"bwv-review transcribe CASE --exhibit {ex.ref}."
        )
    return run, _segments_of_run(store, run.id)


def all_words(segs: Sequence[Segment]) -> list[Word]:
    """Every word of a draft, in time order: what the transcript pane and track show."""
    return [w for s in segs for w in s.words]


def word_at(words: Sequence[Word], at_ms: int) -> int | None:
    """Index of the word being spoken at ``at_ms`` (for highlighting during playback), or None."""
    i = bisect.bisect_right([w.start_ms for w in words], at_ms) - 1
    if i >= 0 and at_ms < max(words[i].end_ms, words[i].start_ms + 1):
        return i
    return None


def words_between(words: Sequence[Word], start_ms: int, end_ms: int) -> list[Word]:
    """Words that overlap [start_ms, end_ms): a selection made on the timeline."""
    return [w for w in words if w.end_ms > start_ms and w.start_ms < end_ms]


def search(words: Sequence[Word], query: str) -> list[int]:
    """Indexes of the first word of each place the draft says ``query`` (case and punctuation ignored)."""
    wanted = [_norm(t) for t in query.split() if _norm(t)]
    if not wanted:
        return []
    said = [_norm(w.word) for w in words]
    n = len(wanted)
    return [i for i in range(len(said) - n + 1) if said[i : i + n] == wanted]


def _norm(token: str) -> str:
    return "".join(ch for ch in token.casefold() if ch.isalnum() or ch == "'")


# -- writing --------------------------------------------------------------------------
def _clamp(value: int, duration_ms: int) -> int:
    value = max(0, int(value))
    return min(value, duration_ms) if duration_ms else value


def save_draft(
    store: CaseStore,
    exhibit: str | Exhibit,
    segs: Sequence[Segment],
    *,
    model: str,
    model_path: str = "",
    language: str = "",
    started: str = "",
    reviewer: str,
    parameters: dict | None = None,
) -> TranscriptRun:
    """Store a new machine draft for an exhibit, replacing its previous draft (never annotations).

    One transaction: the old run and its segments go, the new ones arrive, and one audit row
    says so (the old run's summary as "before", the new one's as "after").
    """
    ex = _exhibit(store, exhibit)
    cleaned = []
    for s in segs:
        words = [
            Word(w.word, _clamp(w.start_ms, ex.duration_ms), _clamp(max(w.end_ms, w.start_ms), ex.duration_ms),
                 float(w.probability), bool(w.biased))
            for w in s.words
        ]
        start = _clamp(s.start_ms, ex.duration_ms)
        cleaned.append(Segment(start, max(start, _clamp(s.end_ms, ex.duration_ms)), s.text.strip(), words,
                               s.avg_logprob, s.no_speech_prob))
    row = {
        "exhibit_id": ex.id,
        "model": model,
        "model_path": model_path,
        "language": language,
        "started": started or now_iso(),
        "finished": now_iso(),
        "reviewer": reviewer,
        "parameters": json.dumps(parameters or {}, ensure_ascii=False, sort_keys=True),
        "segment_count": len(cleaned),
        "sha256": content_hash(cleaned),
    }
    with store.transaction() as db:
        old = db.execute("SELECT id FROM transcript_run WHERE exhibit_id = ?", [ex.id]).fetchall()
        before = None
        for (old_id,) in old:
            before = dict(db["transcript_run"].get(old_id))
            db.execute("DELETE FROM transcript_segment WHERE run_id = ?", [old_id])
            db.execute("DELETE FROM transcript_run WHERE id = ?", [old_id])
        run_id = db["transcript_run"].insert(row).last_pk
        db.conn.executemany(
            "INSERT INTO transcript_segment (run_id, exhibit_id, position, start_ms, end_ms, text, words, "
            "avg_logprob, no_speech_prob) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (run_id, ex.id, i, s.start_ms, s.end_ms, s.text,
                 json.dumps([_stored(w) for w in s.words], ensure_ascii=False), s.avg_logprob, s.no_speech_prob)
                for i, s in enumerate(cleaned)
            ],
        )
        after = dict(db["transcript_run"].get(run_id))
        action = "transcript.replace" if before else "transcript.create"
        audit.record(db, reviewer, action, "transcript_run", run_id, before, after,
                     detail=f"exhibit {ex.ref}: model {model}, {len(cleaned)} segment(s), language {language or '?'}")
    return _run(after)


def _stored(word: Word) -> dict:
    item = asdict(word)
    if not word.biased:  # as drafts were stored before biased words were marked
        del item["biased"]
    return item


def delete_draft(store: CaseStore, exhibit: str | Exhibit, reviewer: str) -> bool:
    """Remove an exhibit's machine draft (audited); annotations stay. False if it had none."""
    ex = _exhibit(store, exhibit)
    with store.transaction() as db:
        rows = db.execute("SELECT id FROM transcript_run WHERE exhibit_id = ?", [ex.id]).fetchall()
        for (run_id,) in rows:
            before = dict(db["transcript_run"].get(run_id))
            db.execute("DELETE FROM transcript_segment WHERE run_id = ?", [run_id])
            db.execute("DELETE FROM transcript_run WHERE id = ?", [run_id])
            audit.record(db, reviewer, "transcript.delete", "transcript_run", run_id, before=before,
                         detail=f"exhibit {ex.ref}")
    return bool(rows)


def check_drafts(store: CaseStore) -> list[audit.Problem]:
    """Drafts changed behind the app's back: a run that differs from its audit row, or
    segments that no longer match the SHA-256 the run recorded when it was made."""
    rows = store.db.query("SELECT * FROM transcript_run ORDER BY id")
    return [audit.Problem("record", said) for row in rows if (said := _draft_problem(store, row))]


def draft_problem(store: CaseStore, run: TranscriptRun) -> str | None:
    """What check_drafts says of this one draft, or None: said before anything is read from it."""
    for row in store.db.query("SELECT * FROM transcript_run WHERE id = ?", [run.id]):
        return _draft_problem(store, row)
    return None


def _draft_problem(store: CaseStore, row: dict) -> str | None:
    run = _run(row)
    logged = store.db.execute(
        "SELECT after FROM audit WHERE entity = 'transcript_run' AND entity_id = ? ORDER BY seq DESC LIMIT 1",
        [run.id],
    ).fetchone()
    try:
        intact = logged is not None and logged[0] is not None and json.loads(logged[0]) == dict(row)
    except (TypeError, ValueError):  # an audit row edited by hand
        intact = False
    if intact and content_hash(_segments_of_run(store, run.id)) == run.sha256:
        return None
    return f"The machine draft transcript of exhibit {store.exhibit_by_id(run.exhibit_id).ref} was changed outside the app."


# -- from draft words to an annotation ------------------------------------------------
def quote(words: Sequence[Word]) -> str:
    """The words as one line of text."""
    return " ".join(w.word.strip() for w in words if w.word.strip())


MARKS_KEY = "[?] the model was unsure, [*] a decoding setting told it to listen for the word"


def marked_word(word: Word) -> str:
    """``[?word]`` unsure, ``[*word]`` biased by a setting, ``[?*word]`` both, else the word."""
    flags = ("?" if word.low_confidence else "") + ("*" if word.biased else "")
    return f"[{flags}{word.word.strip()}]" if flags else word.word.strip()


def marked_quote(words: Sequence[Word]) -> str:
    return " ".join(marked_word(w) for w in words if w.word.strip())


MACHINE_WORDS = re.compile(r'Machine words: "(.*)" \(\[\?\] ')


def machine_words(annotation: Annotation) -> str | None:
    """The marked machine words recorded in a draft-sourced annotation's note (for exports),
    or None when none of its words needed marking."""
    if not is_machine_sourced(annotation):
        return None
    found = MACHINE_WORDS.search(annotation.note or "")
    return found.group(1) if found else None


def annotation_from_words(
    store: CaseStore,
    exhibit: str | Exhibit,
    words: Sequence[Word],
    category: str | int,
    speaker: str = "",
    reviewer: str = "",
    why: str = "",
) -> Annotation:
    """An unsaved draft annotation pre-filled from selected draft words.

    Status is always "draft": the reviewer must listen and mark it verified. The note says
    where the words came from (see :func:`is_machine_sourced`), and when the model was
    unsure of a word or a setting biased it, the machine's words with those marked
    (``[?word]``, ``[*word]``), which every export that carries the note shows. ``why`` is
    added to the note (e.g. the risk factor a suggestion named). Save it with
    ``store.add_annotation(ann, actor, action="annotation.add_from_transcript")`` (in the GUI,
    through the usual undoable command).
    """
    if not words:
        raise ReviewError("Select at least one word of the transcript to make an annotation from.")
    ex = _exhibit(store, exhibit)
    cat_id = category if isinstance(category, int) else store.category(category).id
    ordered = sorted(words, key=lambda w: (w.start_ms, w.end_ms))
    start = _clamp(ordered[0].start_ms, ex.duration_ms)
    end = max(start, _clamp(max(w.end_ms for w in ordered), ex.duration_ms))
    run = current_run(store, ex)
    model = f" (model {run.model}, run {run.id})" if run else ""
    unsure = sum(w.low_confidence for w in ordered)
    note = f"{MACHINE_NOTE}{model}; not yet checked against the sound."
    if unsure:
        note += f" The model was unsure of {unsure} of these {len(ordered)} word(s)."
    if any(w.needs_listening for w in ordered):
        note += f' Machine words: "{marked_quote(ordered)}" ({MARKS_KEY}).'
    if why:
        note += f" {why.strip()}"
    return Annotation(
        exhibit_id=ex.id,
        start_ms=start,
        end_ms=end,
        category_id=cat_id,
        speaker=speaker,
        text=quote(ordered),
        note=note,
        source=MACHINE_SOURCE,
        status="draft",
        reviewer=reviewer,
    )


def is_machine_sourced(annotation: Annotation) -> bool:
    """True when the annotation's words were taken from a machine draft (verified or not)."""
    return annotation.source == MACHINE_SOURCE or (annotation.note or "").startswith(MACHINE_NOTE)


def unverified_machine_quote(annotation: Annotation) -> bool:
    """What exports must flag: words from a machine draft that no reviewer has verified."""
    return is_machine_sourced(annotation) and annotation.status != "verified"
