"""How the model is asked to decode, and what that does to the words it gives back.

:class:`Decoding` holds every setting benchmarks/asr_eval.py compares; DEFAULT_DECODING is
the one adopted from that measurement (benchmarks/RESULTS.md). Words a biasing setting
(hotwords, an initial prompt) could have put in the draft are flagged
(:func:`mark_biased`); without the voice filter, word starts that Whisper put in silence are
moved to where speech begins (:func:`snap_to_speech`).
"""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass, replace

import numpy as np

from .audio import ANALYSIS_RATE as SAMPLE_RATE
from .transcripts import Segment

# Silero VAD's default pads each speech region by 400 ms, and Whisper puts a window's first
# word at the region's start: 400 ms early. 200 ms keeps soft onsets and halves that error.
VAD_OPTIONS = {"speech_pad_ms": 200}


# -- decoding settings ----------------------------------------------------------------
@dataclass(frozen=True)
class Decoding:
    """How the model searches for words: everything benchmarks/asr_eval.py compares.

    ``hotwords`` and ``initial_prompt`` bias the model toward words it is given; any such
    word it then writes is marked ``biased`` in the draft (see :func:`mark_biased`), because
    a word a setting pushed the model toward needs the same listening as an unsure one.
    """

    beam_size: int = 5
    patience: float = 1.0
    temperature: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    hotwords: str | None = None
    initial_prompt: str | None = None
    vad: bool = True
    vad_threshold: float = 0.5  # Silero's speech probability above which sound is speech
    condition_on_previous_text: bool = False
    no_repeat_ngram_size: int = 0

    def model_kwargs(self) -> dict:
        return {
            "beam_size": self.beam_size,
            "patience": self.patience,
            "temperature": list(self.temperature) if len(self.temperature) > 1 else self.temperature[0],
            "hotwords": self.hotwords or None,
            "initial_prompt": self.initial_prompt or None,
            "vad_filter": self.vad,  # Silero VAD ships inside faster-whisper: works offline
            "vad_parameters": dict(VAD_OPTIONS, threshold=self.vad_threshold) if self.vad else None,
            # Each 30 s window on its own by default: a misheard phrase cannot snowball into
            # a loop of invented text across the rest of a long recording.
            "condition_on_previous_text": self.condition_on_previous_text,
            "no_repeat_ngram_size": self.no_repeat_ngram_size,
        }

    def as_json(self) -> dict:
        out = asdict(self)
        out["temperature"] = list(self.temperature)
        return out

    def biasing_terms(self) -> frozenset[str]:
        """The words this setting pushes the model toward (normalised), for marking: every
        hotword, and the words of a prompt other than the commonest little ones ("the", "and")."""
        hot = {norm_word(t) for t in (self.hotwords or "").split()}
        prompt = {norm_word(t) for t in (self.initial_prompt or "").split()} - COMMON_WORDS
        return frozenset(w for w in hot | prompt if w)

    def with_(self, **changes) -> Decoding:
        return replace(self, **changes)


COMMON_WORDS = frozenset(
    "a an the and or but if of to in on at by for with from as is are was were be been am i you he she it we "
    "they me him her us them my your his its our their this that these those there here not no so do does did "
    "have has had will would can could shall should may might must about after before then than up down out "
    "over under again into said says say".split())


def norm_word(token: str) -> str:
    return "".join(ch for ch in token.casefold() if ch.isalnum() or ch == "'").strip("'")


# Chosen by benchmarks/asr_eval.py (see benchmarks/RESULTS.md): what raised the hits on risk
# words without raising false insertions of them on the tuning recordings. Silero's voice
# filter dropped soft, distant and noisy speech (a victim a few metres from the camera)
# before the model heard it; without it tiny.en heard 76% of the risk words instead of 62%,
# invented none in long stretches of street noise, and added no false insertion. Hotwords
# and an initial prompt gave smaller or inconsistent gains and can put words in mouths (in
# one run "he was choking me" came out as "she wants to kill me"), so neither is used.
DEFAULT_DECODING = Decoding(vad=False)


def mark_biased(segments: list[Segment], decoding: Decoding) -> int:
    """Flag each word a biasing setting could have put there; returns how many."""
    terms = decoding.biasing_terms()
    count = 0
    if not terms:
        return 0
    for seg in segments:
        for word in seg.words:
            if norm_word(word.word) in terms:
                word.biased = True
                count += 1
    return count


# Speech regions used only to correct word times when the model hears the whole sound.
SNAP_VAD = {"threshold": 0.35, "min_silence_duration_ms": 300, "speech_pad_ms": 60}


def snap_to_speech(segments: list[Segment], samples: np.ndarray, offset_ms: int = 0) -> int:
    """Move a word that starts in silence to where the speech in it starts.

    Given the whole sound (no voice filter), Whisper can put the first word of a window at
    the start of the silence before it: a quote 0.8 s early. Silero's speech regions are
    good at onsets even where its filter would have dropped quiet speech, so a word whose
    start is outside every region, while a region starts inside the word, starts there.
    Words with no speech region anywhere in them are left alone. Returns how many moved.
    """
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    if not segments or not len(samples):
        return 0
    regions = [(offset_ms + int(r["start"] * 1000 // SAMPLE_RATE), offset_ms + int(r["end"] * 1000 // SAMPLE_RATE))
               for r in get_speech_timestamps(np.ascontiguousarray(samples, dtype=np.float32), VadOptions(**SNAP_VAD))]
    starts = [a for a, _b in regions]
    moved = 0
    for seg in segments:
        for n in range(len(seg.words) - 1, -1, -1):  # last first: a zero-length word may follow the next
            word = seg.words[n]
            i = bisect.bisect_right(starts, word.start_ms) - 1
            if i >= 0 and word.start_ms < regions[i][1]:
                continue  # already in speech
            # A word the model gave no length (a guess at a window's start) may move up to
            # the next word; any other only within itself.
            limit = word.end_ms if word.end_ms > word.start_ms else (
                seg.words[n + 1].start_ms if n + 1 < len(seg.words) else seg.end_ms)
            if i + 1 < len(regions) and regions[i + 1][0] <= limit:
                word.start_ms = regions[i + 1][0]
                word.end_ms = max(word.end_ms, word.start_ms)
                moved += 1
        if seg.words:
            seg.start_ms = max(seg.start_ms, min(w.start_ms for w in seg.words))
    return moved
