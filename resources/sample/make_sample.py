"""Make the sample footage: two short body-worn-style clips of one invented incident.

python resources/sample/make_sample.py        (needs espeak-ng on PATH; PyAV, OpenCV, numpy)

Everything is synthetic and reproducible: the speech is espeak-ng, the pictures are drawn,
the noise comes from a fixed seed. AB/1 and CD/1 record the same sound from two places;
CD/1 starts SHIFT_S later, so aligning them by sound has a known answer.
"""

from __future__ import annotations

import subprocess
import tempfile
import wave
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
RATE = 16000
FPS = 25
SIZE = (480, 270)
SHIFT_S = 3.2
START = "2019-07-01T23:34:55+01:00"

# (seconds into AB/1, voice, words)
LINES = [
    (1.5, "en-gb", "Police. Can we come in? We have had a call about shouting."),
    (7.5, "en-gb+f3", "He strangled me. He put his hands round my neck."),
    (14.0, "en-gb+m3", "Look at the state she is in. She has had a few."),
    (20.5, "en-gb+f3", "Nothing happened. I am not in a relationship with him."),
    (27.5, "en-gb", "Right. Keep the noise down, both of you. We are leaving now."),
]
LENGTH_S = 34.0


def speak(voice: str, words: str) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "line.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(wav), words], check=True)
        with wave.open(str(wav)) as handle:
            rate = handle.getframerate()
            data = np.frombuffer(handle.readframes(handle.getnframes()), np.int16).astype(np.float32) / 32768
    # resample to RATE by linear interpolation (espeak-ng speaks at 22050 Hz)
    t_out = np.arange(int(len(data) * RATE / rate)) / RATE
    return np.interp(t_out, np.arange(len(data)) / rate, data).astype(np.float32)


def scene_audio(rng: np.random.Generator) -> tuple[np.ndarray, list[tuple[float, float, str]]]:
    track = np.zeros(int((LENGTH_S + SHIFT_S + 1) * RATE), np.float32)
    spans = []
    for at, voice, words in LINES:
        line = speak(voice, words)
        i = int(at * RATE)
        track[i : i + len(line)] += 0.8 * line
        spans.append((at, at + len(line) / RATE, words))
    # a door and footsteps: broadband bursts that help alignment and are not speech
    for at in (0.6, 12.2, 26.0, 32.5):
        i = int(at * RATE)
        track[i : i + 1600] += rng.normal(0, 0.3, 1600).astype(np.float32) * np.hanning(1600).astype(np.float32)
    return track, spans


def draw(frame_no: int, ref: str, clock_s: float, colour: tuple[int, int, int]) -> np.ndarray:
    """A hallway as a chest-worn camera sees it: wall, floor, a door, two people, a slight sway."""
    w, h = SIZE
    img = np.zeros((h, w, 3), np.uint8)
    img[:] = colour  # the wall
    floor_y = int(h * 0.72)
    img[floor_y:] = (70, 60, 52)
    cv2.line(img, (0, floor_y), (w, floor_y), (40, 35, 30), 2)
    cv2.rectangle(img, (int(w * 0.62), int(h * 0.22)), (int(w * 0.8), floor_y), (95, 75, 55), -1)  # door
    cv2.circle(img, (int(w * 0.77), int(h * 0.5)), 3, (200, 190, 120), -1)
    cv2.rectangle(img, (int(w * 0.08), int(h * 0.2)), (int(w * 0.3), int(h * 0.45)), (150, 170, 190), -1)  # window
    sway = int(6 * np.sin(frame_no / 9.0))
    for x, shade in ((0.38, (45, 45, 60)), (0.52, (90, 50, 50))):  # two people
        cx = int(w * x) + sway
        cv2.ellipse(img, (cx, floor_y - 10), (26, 70), 0, 180, 360, shade, -1)
        cv2.circle(img, (cx, floor_y - 92), 17, (150, 120, 100), -1)
    shift = np.float32([[1, 0, 3 * np.sin(frame_no / 5.0)], [0, 1, 2 * np.cos(frame_no / 7.0)]])
    img = cv2.warpAffine(img, shift, (w, h), borderMode=cv2.BORDER_REPLICATE)  # the wearer moving
    cv2.rectangle(img, (0, 0), (w, 22), (0, 0, 0), -1)
    hh, rem = divmod(int(clock_s) + (23 * 3600 + 34 * 60 + 55), 3600)
    mm, ss = divmod(rem, 60)
    text = f"{ref}  PC SAMPLE  2019-07-01 {hh % 24:02d}:{mm:02d}:{ss:02d}  #{frame_no}"
    cv2.putText(img, text, (6, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1, cv2.LINE_AA)
    return img


def encode(path: Path, ref: str, audio: np.ndarray, colour, clock_offset_s: float) -> None:
    container = av.open(str(path), "w")
    container.metadata["comment"] = "bwv-review sample footage (synthetic)"
    video = container.add_stream("libx264", rate=FPS, options={"crf": "32", "preset": "veryslow"})
    video.width, video.height = SIZE
    video.pix_fmt = "yuv420p"
    video.codec_context.gop_size = 50
    sound = container.add_stream("aac", rate=RATE)
    sound.layout = "mono"
    sound.bit_rate = 24000
    frames = int(len(audio) / RATE * FPS)
    for n in range(frames):
        frame = av.VideoFrame.from_ndarray(draw(n, ref, clock_offset_s + n / FPS, colour), format="rgb24")
        frame.pts, frame.time_base = n, Fraction(1, FPS)
        for packet in video.encode(frame):
            container.mux(packet)
    for packet in video.encode():
        container.mux(packet)
    chunk = 1024
    for i in range(0, len(audio), chunk):
        block = np.clip(audio[i : i + chunk], -1, 1)[None, :]
        frame = av.AudioFrame.from_ndarray(block, format="flt", layout="mono")
        frame.sample_rate, frame.pts = RATE, i
        for packet in sound.encode(frame):
            container.mux(packet)
    for packet in sound.encode():
        container.mux(packet)
    container.close()


def main() -> None:
    rng = np.random.default_rng(2019)
    scene, spans = scene_audio(rng)
    ab = scene[: int(LENGTH_S * RATE)] + rng.normal(0, 0.01, int(LENGTH_S * RATE)).astype(np.float32)
    shift = int(SHIFT_S * RATE)
    cd = 0.6 * scene[shift : shift + int((LENGTH_S - SHIFT_S) * RATE)]
    cd = cd + rng.normal(0, 0.02, len(cd)).astype(np.float32)
    encode(HERE / "AB-1.mp4", "AB/1", ab, (60, 70, 90), 0.0)
    encode(HERE / "CD-1.mp4", "CD/1", cd, (80, 60, 50), SHIFT_S)
    with (HERE / "lines.tsv").open("w", encoding="utf-8") as handle:
        handle.write("start_s\tend_s\twords\n")
        for a, b, words in spans:
            handle.write(f"{a:.3f}\t{b:.3f}\t{words}\n")
    for name in ("AB-1.mp4", "CD-1.mp4"):
        print(name, (HERE / name).stat().st_size, "bytes")


if __name__ == "__main__":
    main()
