"""Any text a reviewer (or a hostile file) can produce is stored and read back exactly."""

import json
import subprocess
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bwv_review.core.evidence import verify_case
from bwv_review.core.model import Annotation

NASTY = [
    "=HYPERLINK(\"http://evil\")", "+1+1", "-2", "@SUM(A1)", "\tTabbed", "\rCR first",
    "<script>alert(1)</script>", "]]><!--", "\u202eevil\u202c", "\u0645\u0631\u062d\u0628\u0627",
    "e\u0301\u0301\u0301", "\x00\x01\x1b[31mred", "\ufeffBOM", "line1\r\nline2\rline3\nline4",
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(), speaker=st.text(max_size=40), note=st.text(max_size=200))
def test_any_text_round_trips_exactly(case, text, speaker, note):
    ex, cat = case.exhibit("AB/1"), case.category("disclosure")
    a = case.add_annotation(Annotation(exhibit_id=ex.id, category_id=cat.id, start_ms=1, text=text,
                                       speaker=speaker, note=note), "me")
    got = case.annotation(a.id)
    assert (got.text, got.speaker, got.note) == (text, speaker, note)


def test_one_megabyte_and_nasty_text_through_the_cli(case):
    path = case.path
    case.close()
    big = "He strangled me. " * 61_681  # just over 1 MB
    for words in [big, *NASTY]:
        r = subprocess.run([sys.executable, "-m", "bwv_review", "annotate", path, "--exhibit", "AB/1", "--at", "1",
                            "--category", "disclosure", "--text-file", "-"],
                           input=words.encode("utf-8"), capture_output=True)
        assert r.returncode == 0, r.stderr
    r = subprocess.run([sys.executable, "-m", "bwv_review", "list", path, "--json"], capture_output=True)
    got = [row["text"] for row in json.loads(r.stdout.decode("utf-8"))]
    # A byte-order mark opening a file says how it is encoded; it is not part of the quote.
    expected = [big, *(w.removeprefix("\ufeff") for w in NASTY)]
    assert sorted(got) == sorted(expected)
    r = subprocess.run([sys.executable, "-m", "bwv_review", "list", path], capture_output=True)
    assert r.returncode == 0
    assert b"\x1b" not in r.stdout  # terminal escapes are shown escaped, never sent to the terminal
    from bwv_review.core.store import CaseStore
    with CaseStore.open(path, readonly=True) as store:
        assert verify_case(store) == []
