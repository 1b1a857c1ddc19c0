"""bwv-review suggest, run as a script would: the list, its JSON, its caveat, and bad input.

The draft is written with ``transcripts.save_draft`` (the model is tested elsewhere): this
is about what the command says, and that it never changes the case."""

from __future__ import annotations

import json

from bwv_review.core import transcripts
from bwv_review.core.transcripts import Segment, Word
from tests.cli.test_transcript_cmds import one_line_error


def _draft(store, *lines):
    segs = []
    for start, text, unsure in lines:
        words, at = [], start
        for i, token in enumerate(text.split()):
            words.append(Word(token, at, at + 230, 0.3 if i in unsure else 0.9))
            at += 250  # the test exhibit is 2 s long
        segs.append(Segment(words[0].start_ms, words[-1].end_ms, text, words))
    transcripts.save_draft(store, "AB/1", segs, model="hand-written", reviewer="Test Reviewer")


def test_suggest_lists_the_moments_with_reasons_and_changes_nothing(cli, case):
    _draft(case, (0, "Police.", ()), (300, "He's twangled me, he'd kill me.", {1}))
    before = case.audit_rows()
    case.close()
    text = cli("suggest", case.path, "--exhibit", "ab/1")
    assert text.returncode == 0, text.stderr
    head, *rest = text.stdout.splitlines()
    assert head.startswith("SUGGESTIONS FOR REVIEW, NOT MARKS.") and "can miss things" in head
    assert "Watch the whole recording" in head
    assert "Exhibit AB/1; machine draft by model hand-written" in rest[0]
    assert "00:00:00.550  Strangulation, choking or suffocation  (listen: unsure words)" in text.stdout
    assert 'which sounds like "strangled"' in text.stdout
    assert "00:00:01.050  Threat to kill" in text.stdout and 'the draft says "he\'d kill me."' in text.stdout
    assert "2 suggestion(s)" in text.stdout

    shown = cli("suggest", case.path, "--exhibit", "AB/1", "--json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["exhibit"] == "AB/1" and "can miss things" in data["caveat"]
    assert data["factors"] == "bundled with bwv-review" and data["model"] == "hand-written"
    assert [(s["factor"], s["start_ms"], s["unsure"]) for s in data["suggestions"]] == [
        ("strangulation", 550, True), ("threat-to-kill", 1050, False)]
    assert set(data["suggestions"][0]) == {"factor", "name", "category", "start_ms", "end_ms", "words", "matched",
                                           "reason", "unsure"}
    assert data["suggestions"][0]["category"] == "risk-factor"

    from bwv_review.core.store import CaseStore

    with CaseStore.open(case.path, readonly=True) as store:  # suggestions are never stored or audited
        assert store.audit_rows() == before and store.annotations() == []


def test_nothing_to_suggest_still_says_to_watch_it_all(cli, case):
    _draft(case, (100, "We were only watching the football.", ()))
    case.close()
    result = cli("suggest", case.path, "--exhibit", "AB/1")
    assert result.returncode == 0
    assert "No passage of the draft matches a risk factor. That does not mean none was disclosed" in result.stdout
    assert json.loads(cli("suggest", case.path, "--exhibit", "AB/1", "--json").stdout)["suggestions"] == []


def test_a_force_list_chooses_what_is_suggested(cli, case, tmp_path):
    _draft(case, (100, "He takes my phone and my bank card.", ()))
    case.close()
    factors = tmp_path / "ours.json"
    factors.write_text(json.dumps({"factors": [{"slug": "coercion", "name": "Coercive control",
                                                "phrases": ["takes my phone|card|money"]}]}), "utf-8")
    data = json.loads(cli("suggest", case.path, "--exhibit", "AB/1", "--json", "--factors", factors).stdout)
    assert [s["factor"] for s in data["suggestions"]] == ["coercion"] and data["factors"] == str(factors)


def test_bad_input_is_one_sentence_and_exit_2(cli, case, tmp_path):
    case.close()
    assert "no machine draft transcript yet" in one_line_error(cli("suggest", case.path, "--exhibit", "AB/1"))
    assert "AB/9" in one_line_error(cli("suggest", case.path, "--exhibit", "AB/9"))
    broken = tmp_path / "broken.json"
    broken.write_text("{oops", "utf-8")
    line = one_line_error(cli("suggest", case.path, "--exhibit", "AB/1", "--factors", broken))
    assert "is not valid JSON" in line and str(broken) in line


def test_a_draft_edited_to_hide_a_disclosure_is_said_before_the_suggestions(cli, case):
    # QA: a draft's words edited with sqlite3 ("strangled" -> "tangled") made `suggest` miss the
    # disclosure without a word, though `verify` reports the draft as changed outside the app.
    import sqlite3

    _draft(case, (0, "He strangled me.", ()))
    case.close()
    db = sqlite3.connect(case.path)
    db.execute("UPDATE transcript_segment SET text = replace(text, 'strangled', 'tangled'), "
               "words = replace(words, 'strangled', 'tangled')")
    db.commit()
    db.close()
    text = cli("suggest", case.path, "--exhibit", "AB/1")
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("WARNING: The machine draft transcript of exhibit AB/1 was changed outside the app.")
    shown = cli("suggest", case.path, "--exhibit", "AB/1", "--json")
    assert "was changed outside the app" in json.loads(shown.stdout)["draft_problem"]
    assert "WARNING" in shown.stderr
    listed = cli("transcript", case.path, "--exhibit", "AB/1")
    assert "WARNING: The machine draft transcript of exhibit AB/1 was changed outside the app." in listed.stderr
