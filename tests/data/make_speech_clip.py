"""Make speech_clip.mkv and speech_clip.json: a labelled clip for the speech detector.

Run from the repository root: ``python tests/data/make_speech_clip.py``. Needs espeak-ng.

30 s of quiet background noise (pink-ish hiss and a mains hum) with English sentences
spoken by espeak-ng at known times, in two voices, plus things that are sound but not
speech: a 1 kHz alarm tone, a loud burst of hiss (wind on the microphone), and a door
knock. The picture is a tiny grey H.264 stream so the file is footage like any other;
the sound is mono Opus at 24 kbit/s. The labels are each sentence's first and last
audible sample in the clean synthesised speech, in ms of file time.

Output is deterministic for a given espeak-ng and FFmpeg (fixed noise seed).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import wave
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

RATE = 48000
DURATION_S = 30.0
HERE = Path(__file__).parent

UTTERANCES = [  # (start s, voice, words)
    (1.0, "en-gb", "Police. Open the door, please."),
    (4.2, "en-gb+f3", "He pushed me against the wall and took my phone."),
    (9.0, "en-gb", "Okay. Can you tell me where he is now?"),
    (17.5, "en-gb+f3", "He went out of the back door about ten minutes ago."),
    (24.0, "en-us", "Right, stay here with my colleague for a moment."),
]
TONE_S = (12.5, 15.5)  # an alarm: steady 1 kHz
WIND_S = (21.0, 23.0)  # a loud burst of broadband hiss
KNOCK_S = 16.2


def speak(text: str, voice: str = "en-gb", rate: int = RATE) -> np.ndarray:
    """espeak-ng's rendering of ``text`` as float32 at ``rate`` Hz, peak 0.5."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "speech.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(out), text], check=True)
        with wave.open(str(out)) as wav:
            src_rate = wav.getframerate()
            data = np.frombuffer(wav.readframes(wav.getnframes()), np.int16).astype(np.float32)
    t_out = np.arange(int(len(data) * rate / src_rate)) / rate
    speech = np.interp(t_out, np.arange(len(data)) / src_rate, data)
    return (0.5 * speech / max(1.0, np.abs(speech).max())).astype(np.float32)


def audible_span(speech: np.ndarray, rate: int) -> tuple[float, float]:
    """Seconds from the start of ``speech`` to its first and last audible sample."""
    loud = np.flatnonzero(np.abs(speech) > 0.01 * np.abs(speech).max())
    return loud[0] / rate, (loud[-1] + 1) / rate


def background(n: int, rate: int, rng: np.random.Generator) -> np.ndarray:
    white = rng.standard_normal(n).astype(np.float32)
    # Pink-ish: a leaky integrator tilts the spectrum down like room noise does.
    pink = np.zeros(n, np.float32)
    acc = 0.0
    alpha = 0.97
    for i in range(0, n, 4096):  # chunked recursion, good enough for a test signal
        seg = white[i : i + 4096]
        out = np.empty_like(seg)
        for j, x in enumerate(seg):
            acc = alpha * acc + (1 - alpha) * x
            out[j] = acc
        pink[i : i + 4096] = out
    pink *= 0.01 / pink.std()
    t = np.arange(n) / rate
    hum = 0.004 * np.sin(2 * np.pi * 50 * t) + 0.002 * np.sin(2 * np.pi * 150 * t)
    return (pink + 0.002 * white + hum).astype(np.float32)


def make(rate: int = RATE, seed: int = 2019) -> tuple[np.ndarray, list[tuple[int, int]]]:
    rng = np.random.default_rng(seed)
    n = int(DURATION_S * rate)
    mix = background(n, rate, rng)
    labels = []
    for start, voice, words in UTTERANCES:
        speech = speak(words, voice, rate) * 0.6
        at = int(start * rate)
        mix[at : at + len(speech)] += speech[: n - at]
        a, b = audible_span(speech, rate)
        labels.append((int(round((start + a) * 1000)), int(round((start + b) * 1000))))
    t = np.arange(n) / rate
    tone = (t >= TONE_S[0]) & (t < TONE_S[1])
    mix[tone] += 0.15 * np.sin(2 * np.pi * 1000 * t[tone])
    wind = (t >= WIND_S[0]) & (t < WIND_S[1])
    mix[wind] += 0.08 * rng.standard_normal(int(wind.sum())).astype(np.float32)
    k = int(KNOCK_S * rate)
    for hit in range(3):  # three knocks, decaying thumps
        at = k + hit * int(0.18 * rate)
        env = np.exp(-np.arange(int(0.05 * rate)) / (0.008 * rate))
        mix[at : at + len(env)] += 0.4 * env * rng.standard_normal(len(env))
    return np.clip(mix, -1, 1).astype(np.float32), labels


def write(path: Path, samples: np.ndarray, rate: int = RATE) -> None:
    container = av.open(str(path), "w")
    video = container.add_stream("libx264", rate=Fraction(5))
    video.width, video.height, video.pix_fmt = 32, 32, "yuv420p"
    sound = container.add_stream("libopus", rate=rate)
    sound.layout = "mono"
    sound.bit_rate = 24000
    grey = np.full((32, 32, 3), 90, np.uint8)
    for i in range(int(DURATION_S * 5)):
        frame = av.VideoFrame.from_ndarray(grey, format="rgb24")
        frame.pts = i
        frame.time_base = Fraction(1, 5)
        for packet in video.encode(frame):
            container.mux(packet)
    for packet in video.encode():
        container.mux(packet)
    size = sound.codec_context.frame_size or 960
    fmt = sound.codec_context.format.name
    for start in range(0, len(samples), size):
        block = samples[start : start + size]
        data = (block * 32767).astype(np.int16)[None, :] if fmt.startswith("s16") else block[None, :]
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format=fmt, layout="mono")
        frame.sample_rate = rate
        frame.pts = start
        for packet in sound.encode(frame):
            container.mux(packet)
    for packet in sound.encode():
        container.mux(packet)
    container.close()


def main() -> None:
    samples, labels = make()
    write(HERE / "speech_clip.mkv", samples)
    meta = {
        "about": "Speech regions in speech_clip.mkv (ms of file time), made by make_speech_clip.py.",
        "speech_ms": labels,
        "not_speech_ms": {
            "alarm_tone": [int(TONE_S[0] * 1000), int(TONE_S[1] * 1000)],
            "wind_hiss": [int(WIND_S[0] * 1000), int(WIND_S[1] * 1000)],
            "door_knocks": [int(KNOCK_S * 1000), int(KNOCK_S * 1000) + 600],
        },
        "duration_ms": int(DURATION_S * 1000),
    }
    (HERE / "speech_clip.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
