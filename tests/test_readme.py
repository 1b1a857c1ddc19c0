"""The README stays true for a new user: its apt line is CI's, its examples name real files."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _apt_packages(text: str) -> list[str]:
    block = re.search(r"apt-get install -y[^\n]*?--no-install-recommends \\\n(.*?)(?:>/dev/null|\n```|\n\n)", text, re.S)
    assert block, "no apt-get install line"
    return block[1].replace("\\", " ").split()


def test_readme_apt_line_is_exactly_what_ci_installs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _apt_packages(readme) == _apt_packages(ci)
    assert "xvfb-run" in readme and "xauth" in _apt_packages(ci)  # xvfb-run needs xauth


def test_readme_examples_name_files_that_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"resources/sample/[\w.-]+", readme))
    assert named, "the examples use the sample footage"
    assert [n for n in sorted(named) if not (ROOT / n).is_file()] == []


def test_readme_says_how_to_reach_the_command_line():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert ".venv/bin/bwv-review" in readme and "source .venv/bin/activate" in readme
