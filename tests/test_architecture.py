"""House rules that keep the program's shape: checked on every test run."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    """core and cli never import Qt (import-linter contracts in pyproject.toml)."""
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert exe, "import-linter is part of the dev extra"
    r = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 broken" in r.stdout


def test_importing_the_package_has_no_side_effects(tmp_path):
    """No folders, settings or QApplication made at import (conventions rule 10)."""
    code = (
        "import os, sys; os.environ['BWV_REVIEW_HOME'] = sys.argv[1];"
        "import bwv_review, bwv_review.app, bwv_review.cli, bwv_review.paths;"
        "import bwv_review.core.store, bwv_review.core.media;"
        "print(os.listdir(sys.argv[1]))"
    )
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"
