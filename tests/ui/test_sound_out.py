"""The player's own sound output, played into a real sound server (a private PulseAudio with a
null sink): the moment it says is heard runs with the device's clock, at the speed asked,
from the moment asked, and the sound really reaches the device."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from tests.core.test_audio import write_av

pytestmark = [pytest.mark.gui, pytest.mark.skipif(not shutil.which("pulseaudio") or not shutil.which("pactl"),
                                                  reason="needs PulseAudio (Debian: pulseaudio)")]


@pytest.fixture(scope="module")
def pulse(tmp_path_factory):
    """A private PulseAudio daemon whose default sink is a null sink; its socket in the
    environment before Qt's audio backend first starts (it reads PULSE_SERVER then)."""
    folder = tmp_path_factory.mktemp("pulse")
    run = folder / "run"
    (run / "pulse").mkdir(parents=True)
    run.chmod(0o700)
    socket = run / "pulse" / "native"
    env = dict(os.environ, XDG_RUNTIME_DIR=str(run), PULSE_RUNTIME_PATH=str(run / "pulse"), HOME=str(folder),
               PULSE_SERVER=f"unix:{socket}")
    daemon = subprocess.Popen(
        ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit", "--use-pid-file=no",
         "--system=false", "-L", f"module-native-protocol-unix socket={socket}",
         "-L", "module-null-sink sink_name=test rate=48000", "-L", "module-always-sink"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while subprocess.run(["pactl", "set-default-sink", "test"], env=env, capture_output=True).returncode:
            if time.monotonic() > deadline or daemon.poll() is not None:
                pytest.skip("PulseAudio did not start here")
            time.sleep(0.1)
        saved = {k: os.environ.get(k) for k in ("PULSE_SERVER", "XDG_RUNTIME_DIR", "PULSE_RUNTIME_PATH")}
        os.environ.update(PULSE_SERVER=env["PULSE_SERVER"], PULSE_RUNTIME_PATH=env["PULSE_RUNTIME_PATH"])
        yield env
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    finally:
        daemon.terminate()
        daemon.wait(10)


@pytest.fixture(scope="module")
def tone(tmp_path_factory) -> Path:
    rate = 48000
    t = np.arange(8 * rate) / rate
    return write_av(tmp_path_factory.mktemp("tone") / "tone.mkv", (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32),
                    video_s=8)


def _heard_over(qtbot, output, seconds: float) -> list[tuple[float, float]]:
    """(wall s, heard footage ms) about every 20 ms for ``seconds`` once the sound is heard."""
    qtbot.waitUntil(lambda: output.heard()[0] == "playing", timeout=5000)
    seen = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        seen.append((time.monotonic(), output.heard()[1]))
        qtbot.wait(20)
    return seen


def _rate(seen) -> float:
    wall = np.array([s[0] for s in seen])
    heard = np.array([s[1] for s in seen])
    return float(np.polyfit(wall, heard, 1)[0]) / 1000  # footage seconds per wall second


def test_the_heard_moment_runs_with_the_device_at_the_speed_asked(qtbot, pulse, tone):
    from bwv_review.ui.player.sound_out import SoundOutput

    output = SoundOutput()
    try:
        output.set_source(tone, 0.0)
        assert output.heard() == ("waiting", None)
        output.start(2000, 1.0)
        seen = _heard_over(qtbot, output, 1.0)
        assert seen[0][1] >= 2000 and all(b[1] >= a[1] for a, b in zip(seen, seen[1:], strict=False))
        assert _rate(seen) == pytest.approx(1.0, abs=0.05)
        # a sink-input of ours is playing on the server
        inputs = subprocess.run(["pactl", "list", "short", "sink-inputs"], env=pulse, capture_output=True,
                                text=True).stdout
        assert inputs.strip()
        output.start(4000, 2.0)  # a new run: nothing from the old one is reported for it
        assert output.heard()[0] == "waiting"
        seen = _heard_over(qtbot, output, 1.0)
        assert seen[0][1] >= 4000 and _rate(seen) == pytest.approx(2.0, abs=0.1)
        output.stop()
        assert output.heard() == ("waiting", None)
        output.start(7600, 1.0)  # 0.4 s before the sound ends
        qtbot.waitUntil(lambda: output.heard()[0] == "ended", timeout=5000)
        assert output.heard()[1] == pytest.approx(8000, abs=30)
    finally:
        output.shutdown()
