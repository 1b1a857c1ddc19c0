"""Start the reviewer's window: ``bwv-review gui [CASE] [--sample]`` and ``python main.py [CASE]``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from pathlib import Path

log = logging.getLogger(__name__)


def parse_args(argv: list[str]) -> argparse.Namespace:
    from ..cli.common import SentenceParser  # bad arguments: one sentence, exit 2, as every command

    parser = SentenceParser(prog="bwv-review gui", description="Open the reviewer's window.")
    parser.add_argument("case", nargs="?", help="a .bwvcase file to open")
    parser.add_argument("--sample", action="store_true", help="open the sample case")
    parser.add_argument("--readonly", action="store_true", help="open the case read-only")
    # For packaging checks: start, show the first frame of footage (or the start page), quit.
    parser.add_argument("--smoke-test", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def install_excepthook(app) -> None:
    """An unexpected error is logged and shown, instead of killing the window silently.

    Everything already done is already in the case file, so the reviewer can carry on or
    restart without losing work.
    """
    from PySide6.QtWidgets import QStyle

    from .. import paths
    from .dialogs.message import SentenceDialog

    def hook(kind, value, tb) -> None:
        if issubclass(kind, KeyboardInterrupt):
            app.quit()
            return
        log.error("unexpected error\n%s", "".join(traceback.format_exception(kind, value, tb)))
        box = SentenceDialog(
            "bwv-review: unexpected error",
            f"Something went wrong that bwv-review did not expect ({kind.__name__}: {value}).\n\n"
            "Everything saved so far is safe in the case file, and you can carry on. The details "
            f"are in the log file in {paths.log_dir()}; please send it to whoever supports bwv-review.",
            app.activeWindow(), icon=QStyle.StandardPixmap.SP_MessageBoxCritical)
        box.open()
        hook.boxes.append(box)

    hook.boxes = []
    sys.excepthook = hook


def make_app(argv0: str = "bwv-review"):
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([argv0])
    app.setApplicationName("bwv-review")
    app.setOrganizationName("bwv-review")
    app.setApplicationDisplayName("bwv-review")
    from .theme import MediaIconStyle

    app.setStyle(MediaIconStyle("Fusion"))  # the same look on every platform (and under Xvfb)
    return app


def how_started(argv0: str = "", executable: str = "") -> str:
    """The command line that started us, as the reviewer typed it (to repeat under xvfb-run)."""
    argv0, executable = argv0 or sys.argv[0], executable or sys.executable
    if argv0.endswith(".py") or argv0 in ("-m", "-c", ""):
        python = Path(executable)
        try:
            python = python.relative_to(Path.cwd())
        except ValueError:
            pass
        return f"{python} {'main.py' if not argv0.endswith('.py') else argv0}"
    return argv0


def no_display_sentence() -> str:
    started = how_started()
    return (f"bwv-review: there is no display to open the window on (DISPLAY is not set). On a server, run it "
            f"under a virtual display: xvfb-run -a {started}; or use the command line ({started} --help).")


def has_display(environ=os.environ, platform: str = sys.platform) -> bool:
    """Whether Qt can open a window here (Linux needs an X or Wayland display, or a chosen platform
    such as offscreen); without one Qt aborts the process with a fatal error, so we ask first."""
    if not platform.startswith("linux"):
        return True
    return any(environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def run_gui(argv: list[str]) -> int:
    args = parse_args(argv)
    if not has_display():
        print(no_display_sentence(), file=sys.stderr)
        return 2
    from .main_window import MainWindow
    from .settings import Settings
    from .theme import apply_theme

    app = make_app()
    install_excepthook(app)
    settings = Settings()
    apply_theme(app, settings.theme)
    window = MainWindow(settings)
    window.show()
    if args.case:
        window.open_case(args.case, readonly=args.readonly)
    elif args.sample:
        window.open_sample()
    if args.smoke_test:
        _quit_when_shown(app, window)
    return app.exec()


def _quit_when_shown(app, window) -> None:
    """Exit 0 once a frame of footage is on screen (or the start page, with no case); 1 if
    nothing shows within 30 s. Used by .ci/build-app to prove a built app really runs."""
    from PySide6.QtCore import QTimer

    def done(code: int) -> None:
        print("smoke test: " + ("window and first frame shown" if code == 0 else "nothing shown in 30 s"))
        window.close()
        app.exit(code)

    if window.session is None:
        QTimer.singleShot(500, lambda: done(0))
    else:
        window.player.frameShown.connect(lambda *_: done(0))
    QTimer.singleShot(30_000, lambda: done(1))
