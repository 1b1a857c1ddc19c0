"""Sound against picture as a viewer gets them, measured the same way for bwv-review and mpv.

    python benchmarks/av_sync.py [--runs 2] [--only ours|mpv] [--keep DIR]

What it does, on any Linux machine with Xvfb, PulseAudio, ffmpeg and mpv:

1. makes a clip (640x360, 30 fps H.264 + AAC): black, with one white frame and a 40 ms
   1 kHz beep starting at the same instant every 2 s;
2. starts its own Xvfb display and its own PulseAudio daemon (a private socket, so other
   sessions' sound is untouched) whose default sink is a null sink;
3. plays the clip full-window with the player under test, and captures the screen
   (x11grab) and the null sink's monitor in ONE ffmpeg process, both stamped with the
   wall clock (-copyts), so picture and sound are on one clock;
4. finds each flash's first captured frame and each beep's first loud sample, pairs
   them, and reports sound minus picture in ms (positive: the sound comes late).

Scenarios: 1x, 2x and 0.5x playing straight through (sped up and slowed down, the sound
goes through FFmpeg's atempo in ours and mpv's scaletempo), and 1x with a seek every 3 s landing
0.6 s before a flash (the offset of that flash is "after a seek"). mpv (--no-config,
pulse output, x11 video) runs the same scenarios on the same capture path as the
reference; targets: our median within 15 ms of mpv's, p95 within 40 ms of mpv's, and
in sync for the flash 0.6 s after each seek. The machine's load average is printed with
every run, since a loaded machine delays everything.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

W, H, FPS = 640, 360, 30
PERIOD_S, BEEP_S, LENGTH_S = 2.0, 0.040, 24.0
DISPLAY = ":113"  # --display: another number where other sessions use this one
CAPTURE_FPS = 100
SEEK_EVERY_S, SEEK_LEAD_S = 3.0, 0.6
SCENARIOS = {"1x": (1.0, False), "2x": (2.0, False), "0.5x": (0.5, False), "1x-seeks": (1.0, True)}


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# -- the clip ---------------------------------------------------------------------------
def make_clip(path: Path) -> None:
    import av
    import numpy as np

    with av.open(str(path), "w") as out:
        v = out.add_stream("libx264", rate=FPS, options={"g": "30", "bf": "2", "preset": "veryfast"})
        v.width, v.height, v.pix_fmt = W, H, "yuv420p"
        a = out.add_stream("aac", rate=48000)
        a.layout = "mono"
        black = np.zeros((H, W, 3), np.uint8)
        white = np.full((H, W, 3), 255, np.uint8)
        frames = int(LENGTH_S * FPS)
        flash_every = int(PERIOD_S * FPS)
        for n in range(frames):
            frame = av.VideoFrame.from_ndarray(white if n % flash_every == 0 and n else black, format="rgb24")
            frame.pts = n
            for packet in v.encode(frame):
                out.mux(packet)
        for packet in v.encode():
            out.mux(packet)
        rate = 48000
        t = np.arange(int(LENGTH_S * rate)) / rate
        sound = np.zeros_like(t, dtype=np.float32)
        for k in range(1, int(LENGTH_S / PERIOD_S)):
            on = (t >= k * PERIOD_S) & (t < k * PERIOD_S + BEEP_S)
            sound[on] = 0.6 * np.sin(2 * np.pi * 1000 * (t[on] - k * PERIOD_S))
        for i in range(0, len(sound), 1024):
            chunk = sound[i : i + 1024]
            frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="flt", layout="mono")
            frame.sample_rate, frame.pts = rate, i
            for packet in a.encode(frame):
                out.mux(packet)
        for packet in a.encode():
            out.mux(packet)


# -- the private display and sound server ---------------------------------------------------
class Stage:
    def __init__(self, folder: Path):
        self.folder = folder
        self.procs: list[subprocess.Popen] = []
        run = folder / "run"
        (run / "pulse").mkdir(parents=True, exist_ok=True)
        run.chmod(0o700)
        self.socket = run / "pulse" / "native"
        self.env = dict(os.environ, DISPLAY=DISPLAY, XDG_RUNTIME_DIR=str(run), PULSE_SERVER=f"unix:{self.socket}",
                        QT_QPA_PLATFORM="xcb", PULSE_RUNTIME_PATH=str(run / "pulse"),
                        HOME=str(folder / "home"), BWV_REVIEW_HOME=str(folder / "bwv"))
        (folder / "home").mkdir(exist_ok=True)

    def __enter__(self) -> Stage:
        self.procs.append(subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", f"{W}x{H}x24", "-nolisten", "tcp"],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        self.procs.append(subprocess.Popen(
            ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit", "--use-pid-file=no",
             "--system=false", "-L", f"module-native-protocol-unix socket={self.socket}",
             "-L", "module-null-sink sink_name=avsync rate=48000", "-L", "module-always-sink"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for _ in range(100):
            ok = subprocess.run(["pactl", "set-default-sink", "avsync"], env=self.env, capture_output=True).returncode == 0
            if ok and Path(f"/tmp/.X11-unix/X{DISPLAY[1:]}").exists():
                break
            time.sleep(0.1)
        else:
            raise SystemExit("could not start Xvfb and PulseAudio for the measurement")
        return self

    def __exit__(self, *exc) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()


# -- one capture ----------------------------------------------------------------------------
def capture(stage: Stage, player_cmd: list[str], out: Path, seconds: float, driver=None) -> None:
    log = out.with_suffix(".log").open("wb")  # the player's own messages, kept beside its capture
    player = subprocess.Popen(player_cmd, env=stage.env, stdout=log, stderr=subprocess.STDOUT)
    time.sleep(1.5)  # the player opens its window and the file before the capture starts
    grab = subprocess.Popen(
        # -t as an input option and -copyts: both inputs keep their wall-clock stamps.
        ["ffmpeg", "-v", "error", "-y", "-thread_queue_size", "1024", "-t", str(seconds), "-f", "x11grab",
         "-framerate", str(CAPTURE_FPS), "-video_size", f"{W}x{H}", "-i", f"{DISPLAY}+0,0",
         "-thread_queue_size", "1024", "-t", str(seconds), "-f", "pulse", "-fragment_size", "960",
         "-i", "avsync.monitor", "-copyts", "-c:v", "libx264rgb", "-preset", "ultrafast", "-qp", "0",
         "-c:a", "pcm_s16le", str(out)],
        env=stage.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if driver is not None:
        driver(player)
    grab.wait(seconds + 30)
    player.send_signal(signal.SIGTERM)
    try:
        player.wait(10)
    except subprocess.TimeoutExpired:
        player.kill()
    log.close()


def analyse(path: Path) -> tuple[list[float], list[float]]:
    """(flash onsets, beep onsets) in seconds on the capture's shared clock."""
    import av
    import numpy as np

    flashes, beeps = [], []
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        bright_before = False
        for frame in c.decode(vs):
            luma = frame.to_ndarray(format="gray")
            bright = float(luma[H // 4 : 3 * H // 4, W // 4 : 3 * W // 4].mean()) > 128
            if bright and not bright_before:
                flashes.append(float(frame.pts * vs.time_base))
            bright_before = bright
    with av.open(str(path)) as c:
        s = c.streams.audio[0]
        chunks, starts = [], []
        for frame in c.decode(s):
            data = frame.to_ndarray().astype(np.float32).reshape(-1, frame.layout.nb_channels if hasattr(frame.layout, "nb_channels") else 1)
            chunks.append(np.abs(data).max(axis=1) / 32768)
            starts.append(float(frame.pts * s.time_base))
        rate = s.rate
    quiet_until = -1.0
    for start, level in zip(starts, chunks, strict=True):
        loud = np.flatnonzero(level > 0.05)
        for i in loud:
            t = start + i / rate
            if t > quiet_until:
                beeps.append(t)
            quiet_until = t + 0.5
    return flashes, beeps


def offsets(flashes: list[float], beeps: list[float]) -> list[tuple[float, float]]:
    """(flash time, beep minus flash in ms) for each flash with a beep within 0.5 s."""
    out = []
    for f in flashes:
        near = min(beeps, key=lambda b: abs(b - f), default=None)
        if near is not None and abs(near - f) < 0.5:
            out.append((f, (near - f) * 1000))
    return out


# -- the players ------------------------------------------------------------------------------
def ours_cmd(clip: Path, speed: float, seeks: bool) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--player", str(clip), "--speed", str(speed),
            *(["--seeks"] if seeks else [])]


def mpv_cmd(clip: Path, speed: float, ipc: Path) -> list[str]:
    return ["mpv", "--no-config", "--really-quiet", "--ao=pulse", "--vo=x11", f"--geometry={W}x{H}+0+0",
            "--no-border", f"--speed={speed}", "--keep-open=yes", "--pause=no", f"--input-ipc-server={ipc}",
            "--hr-seek=yes", str(clip)]


def seek_times() -> list[tuple[float, float]]:
    """(wall seconds after start, target media seconds): land SEEK_LEAD_S before a flash."""
    plan, wall, flash = [], SEEK_EVERY_S, 4.0
    while wall < LENGTH_S - 4 and flash < LENGTH_S - 2:
        plan.append((wall, flash - SEEK_LEAD_S))
        wall += SEEK_EVERY_S
        flash += 2 * PERIOD_S
    return plan


def mpv_seeker(ipc: Path):
    import socket

    def drive(_player) -> None:
        start = time.monotonic()
        for wall, target in seek_times():
            time.sleep(max(0.0, wall - (time.monotonic() - start)))
            try:
                with socket.socket(socket.AF_UNIX) as s:
                    s.connect(str(ipc))
                    s.sendall(json.dumps({"command": ["seek", target, "absolute+exact"]}).encode() + b"\n")
            except OSError:
                pass
    return drive


def run_player(clip: Path, speed: float, seeks: bool) -> int:
    """The harness: bwv-review's PlayerWidget alone in a window filling the display."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from bwv_review.ui.player.widget import PlayerWidget

    app = QApplication([])
    player = PlayerWidget()
    player.transport.hide()
    player.view.set_caption("")
    player.setGeometry(0, 0, W, H)
    player.notice.connect(lambda text: print("notice:", text, file=sys.stderr, flush=True))
    player.errorOccurred.connect(lambda text: print("error:", text, file=sys.stderr, flush=True))
    player.show()
    player.load(clip)
    player.set_speed(speed)
    started = []

    def begin() -> None:
        player.play()
        started.append(time.monotonic())
        if seeks:
            for wall, target in seek_times():
                QTimer.singleShot(int(wall * 1000), lambda t=target: player.seek(int(t * 1000)))

    player.frameShown.connect(lambda *_: (not started) and QTimer.singleShot(300, begin) and None)
    signal.signal(signal.SIGTERM, lambda *_: app.quit())
    timer = QTimer()
    timer.start(200)  # lets Python see SIGTERM
    timer.timeout.connect(lambda: None)
    code = app.exec()
    player.shutdown()
    return code


def summary(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    size = sorted(abs(v) for v in values)
    p95 = size[min(len(size) - 1, int(round(0.95 * (len(size) - 1))))]
    return {"n": len(values), "median": round(statistics.median(values), 1), "p95_abs": round(p95, 1),
            "min": round(ordered[0], 1), "max": round(ordered[-1], 1)}


def measure(stage: Stage, folder: Path, clip: Path, who: str, name: str, run: int) -> dict:
    speed, seeks = SCENARIOS[name]
    seconds = min(LENGTH_S / speed - 2, 20.0)
    out = folder / f"{who}-{name}-{run}.mkv"
    before = load()
    if who == "ours":
        capture(stage, ours_cmd(clip, speed, seeks), out, seconds)
    else:
        ipc = folder / "mpv.sock"
        capture(stage, mpv_cmd(clip, speed, ipc), out, seconds, mpv_seeker(ipc) if seeks else None)
    flashes, beeps = analyse(out)
    pairs = offsets(flashes, beeps)
    result = {"who": who, "scenario": name, "run": run, "load": before, "all": summary([o for _, o in pairs]),
              "offsets": [round(o, 1) for _, o in pairs]}
    if seeks:
        # The flash SEEK_LEAD_S after each seek shows how fast sync comes back: seeks come
        # every 3 s of wall time and land 0.6 s before a flash, so that flash follows the one
        # before it by under 1.8 s, where flashes that merely play on are 2 s apart.
        after = [o for (f, o), (g, _) in zip(pairs[1:], pairs, strict=False) if f - g < (PERIOD_S - 0.2) / speed]
        result["after_seek"] = summary(after)
    return result


def main() -> int:
    global DISPLAY  # the player child is started with it in its environment
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--only", choices=["ours", "mpv"])
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), action="append")
    parser.add_argument("--keep", type=Path, help="keep clip and captures in this folder")
    parser.add_argument("--player", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--speed", type=float, default=1.0, help=argparse.SUPPRESS)
    parser.add_argument("--seeks", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help="write the results here too")
    parser.add_argument("--display", default=DISPLAY, help=f"the private X display to use (default {DISPLAY})")
    args = parser.parse_args()
    DISPLAY = args.display
    if args.player:
        return run_player(args.player, args.speed, args.seeks)
    for tool in ("Xvfb", "pulseaudio", "pactl", "ffmpeg", "mpv"):
        if not shutil.which(tool):
            print(f"av_sync: {tool} is not installed; nothing measured")
            return 0
    folder = args.keep or Path(tempfile.mkdtemp(prefix="avsync-"))
    folder.mkdir(parents=True, exist_ok=True)
    clip = folder / "flash-beep.mp4"
    if not clip.exists():
        make_clip(clip)
    results = []
    whos = [args.only] if args.only else ["mpv", "ours"]
    with Stage(folder) as stage:
        for run in range(args.runs):
            for name in args.scenario or list(SCENARIOS):
                for who in whos:
                    r = measure(stage, folder, clip, who, name, run)
                    results.append(r)
                    print(json.dumps({k: v for k, v in r.items() if k != "offsets"}), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
