"""Machine-draft transcription: word error rate and real-time factor on a long espeak recording.

    python benchmarks/transcribe_bench.py [--minutes 10] [--threads 2] [--model DIR] [--noise-db 30]

Builds a recording of espeak-ng sentences (two voices, varied speeds, pauses between them,
optionally with background noise) inside a footage file with a tiny video track, then runs
the same path as ``bwv-review transcribe`` (core.transcribe.transcribe_file). Prints:

- word error rate against the sentences spoken (case and punctuation ignored);
- real-time factor = processing time / audio length, for the whole run and for reading
  the sound alone (the reference measured in the same run: decoding with PyAV);
- how far each sentence's first word lands from where the sentence was placed.

Needs the transcribe extra and espeak-ng. Not a test: it takes a minute or two.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from asr_metrics import edit_distance  # noqa: E402

from bwv_review.core import transcribe  # noqa: E402
from bwv_review.core.transcripts import all_words  # noqa: E402

RATE = 16000
NAMES = ["Sarah", "the officer", "my neighbour", "the sergeant", "her brother", "the caller", "Mr Thompson"]
VERBS = ["heard", "saw", "told", "asked", "called", "followed", "warned", "helped"]
OBJECTS = ["the woman next door", "a man in the garden", "the children upstairs", "the driver",
           "somebody at the window", "the couple in the kitchen", "the paramedics"]
PLACES = ["in the hallway", "outside the front door", "near the bus stop", "on the stairs",
          "behind the shop", "in the back bedroom", "at the end of the road"]
TIMES = ["last night", "this morning", "about an hour ago", "before the police arrived",
         "just after midnight", "on Saturday evening", "a fortnight ago"]
TEMPLATES = [
    "{n} {v} {o} {p} {t}.",
    "I think {n} {v} {o} {t}.",
    "Can you tell me why {n} {v} {o} {p}?",
    "{t}, {n} {v} {o}.",
    "Nobody {v} {o} {p}.",
    "We need to speak to {o} {t}.",
    "Please stay {p} while we talk to {o}.",
    "Did {n} say anything to {o} {t}?",
]
VOICES = ["en-gb", "en-us", "en-gb-x-rp"]


def sentences(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        text = rng.choice(TEMPLATES).format(
            n=rng.choice(NAMES), v=rng.choice(VERBS), o=rng.choice(OBJECTS), p=rng.choice(PLACES),
            t=rng.choice(TIMES))
        out.append(text[0].upper() + text[1:])
    return out


def speak(text: str, voice: str, speed: int, folder: Path) -> np.ndarray:
    wav = folder / "say.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(wav), text], check=True)
    with av.open(str(wav)) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        parts = [o.to_ndarray().reshape(-1) for f in container.decode(audio=0) for o in resampler.resample(f)]
        parts += [o.to_ndarray().reshape(-1) for o in resampler.resample(None)]
    samples = np.concatenate(parts)
    loud = np.flatnonzero(np.abs(samples) > 0.02)
    return samples[loud[0] : loud[-1] + 1]


def build(folder: Path, minutes: float, noise_db: float | None, seed: int = 7):
    rng = random.Random(seed)
    total = int(minutes * 60 * RATE)
    sound = np.zeros(total, np.float32)
    placed: list[tuple[float, str]] = []
    at = int(1.0 * RATE)
    for text in sentences(10_000, seed):
        said = speak(text, rng.choice(VOICES), rng.randint(140, 185), folder)
        if at + len(said) >= total:
            break
        sound[at : at + len(said)] += 0.6 * said
        placed.append((at / RATE, text))
        at += len(said) + int(rng.uniform(0.6, 2.5) * RATE)
    if noise_db is not None:
        level = np.sqrt(np.mean(sound[sound != 0] ** 2))
        noise = np.random.default_rng(seed).normal(0, level / 10 ** (noise_db / 20), total)
        sound = sound + noise.astype(np.float32)
    path = folder / "recording.mkv"
    container = av.open(str(path), "w")
    video = container.add_stream("libx264", rate=Fraction(1))
    video.width, video.height, video.pix_fmt = 32, 32, "yuv420p"
    audio = container.add_stream("pcm_s16le", rate=RATE)
    audio.layout = "mono"
    grey = np.full((32, 32, 3), 90, np.uint8)
    for i in range(int(minutes * 60)):
        frame = av.VideoFrame.from_ndarray(grey, format="rgb24")
        frame.pts, frame.time_base = i, Fraction(1, 1)
        for packet in video.encode(frame):
            container.mux(packet)
    for packet in video.encode():
        container.mux(packet)
    for start in range(0, total, 4096):
        block = (np.clip(sound[start : start + 4096], -1, 1) * 32767).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(block[None, :], format="s16", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = RATE, start, Fraction(1, RATE)
        for packet in audio.encode(frame):
            container.mux(packet)
    for packet in audio.encode():
        container.mux(packet)
    container.close()
    return path, placed


def words_of(text: str) -> list[str]:
    return "".join(c if c.isalnum() or c == "'" else " " for c in text.casefold()).split()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model", help="a faster-whisper model folder (default: the bundled one)")
    parser.add_argument("--noise-db", type=float, default=None, help="add noise this many dB below the speech")
    args = parser.parse_args()
    transcribe.require_available()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clock = time.perf_counter()
        path, placed = build(folder, args.minutes, args.noise_db)
        print(f"built {args.minutes:g} min recording, {len(placed)} sentences, "
              f"{sum(len(words_of(t)) for _, t in placed)} words, in {time.perf_counter() - clock:.1f} s")
        audio_s = args.minutes * 60

        clock = time.perf_counter()
        transcribe.read_sound(path)
        decode_s = time.perf_counter() - clock

        choice = transcribe.resolve_model(args.model)
        clock = time.perf_counter()
        transcribe.load_model(choice, args.threads)
        load_s = time.perf_counter() - clock
        clock, cpu = time.perf_counter(), time.process_time()
        draft = transcribe.transcribe_file(path, choice, "en", threads=args.threads)
        run_s, cpu_s = time.perf_counter() - clock, time.process_time() - cpu

    ref = [w for _, t in placed for w in words_of(t)]
    hyp = [w for s in draft.segments for w in words_of(s.text)]
    wer = edit_distance(ref, hyp) / len(ref)
    words = all_words(draft.segments)
    errors = []
    for start_s, text in placed:
        first = words_of(text)[0]
        near = [w for w in words if words_of(w.word) == [first] and abs(w.start_ms / 1000 - start_s) < 1.5]
        if near:
            errors.append(min(abs(w.start_ms / 1000 - start_s) for w in near))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"model {choice.name} ({choice.path}), {args.threads} threads, load average {load:.1f}")
    print(f"word error rate: {wer:.3f} ({len(ref)} words said, {len(hyp)} heard)")
    print(f"real-time factor: {run_s / audio_s:.3f} ({run_s:.1f} s for {audio_s:.0f} s of sound; "
          f"model load {load_s:.2f} s not included)")
    # On a shared machine the wall clock depends on the neighbours; CPU time much less.
    print(f"CPU time: {cpu_s:.1f} s over all threads = {cpu_s / audio_s:.3f} s per second of sound; "
          f"on {args.threads} idle cores about {cpu_s / args.threads / audio_s:.3f} real-time")
    print(f"reference, reading the sound alone: real-time factor {decode_s / audio_s:.4f} ({decode_s:.2f} s)")
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory of this process: {peak:.0f} MB (sound at 16 kHz is 3.8 MB a minute)")
    except ImportError:  # Windows
        pass
    if errors:
        errors.sort()
        within = sum(e <= 0.5 for e in errors) / len(placed)
        print(f"sentence starts: {len(errors)}/{len(placed)} first words found; median error "
              f"{statistics.median(errors) * 1000:.0f} ms, 90th percentile "
              f"{errors[int(0.9 * (len(errors) - 1))] * 1000:.0f} ms; {within:.0%} of sentences within 0.5 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
