"""Risk-factor suggestions from a draft, without a model: the phrase language, the force's own
list, unsure sound-alikes, merging, context, and clear sentences for a broken list."""

from __future__ import annotations

import json

import pytest

from bwv_review.core import risk
from bwv_review.core.errors import ReviewError
from bwv_review.core.transcripts import Segment, Word


def seg(text: str, start_ms: int, unsure: dict[int, float] | None = None, biased: set[int] = frozenset(),
        step: int = 320) -> Segment:
    words, at = [], start_ms
    for i, token in enumerate(text.split()):
        words.append(Word(token, at, at + step - 20, (unsure or {}).get(i, 0.92), i in biased))
        at += step
    return Segment(words[0].start_ms, words[-1].end_ms, text, words)


def found(segments, factors=None) -> list[tuple[str, int]]:
    return [(s.factor, s.start_ms) for s in risk.suggest(segments, factors)]


def test_the_bundled_list_covers_every_factor_the_issue_names():
    factors = risk.load_factors()
    assert [f.slug for f in factors.factors] == [
        "strangulation", "threat-to-kill", "weapon", "injury", "pregnancy", "escalation", "separation", "fear",
        "children"]
    assert all(f.category == "risk-factor" and f.reason and f.patterns for f in factors.factors)
    assert factors.source == "bundled with bwv-review" and "strangled" in factors.hotwords


@pytest.mark.parametrize(("text", "factor"), [
    ("He grabbed me by the throat.", "strangulation"),
    ("He strangled me.", "strangulation"),
    ("He put his hands round my neck and squeezed.", "strangulation"),
    ("I couldn't even breathe.", "strangulation"),
    ("He was choking me against the wall.", "strangulation"),
    ("He said he would kill me.", "threat-to-kill"),
    ("He told me I'd end up dead.", "threat-to-kill"),
    ("He's going to try to kill us.", "threat-to-kill"),
    ("He had a knife in his hand.", "weapon"),
    ("He threatened to stab me.", "weapon"),
    ("I've got bruises all over my arms.", "injury"),
    ("He hit me in the face.", "injury"),
    ("I'm five months pregnant.", "pregnancy"),
    ("We're expecting a baby.", "pregnancy"),
    ("It's getting worse every week.", "escalation"),
    ("He's never been this violent before.", "escalation"),
    ("We split up last month.", "separation"),
    ("I told him I'm leaving him.", "separation"),
    ("I'm terrified of him.", "fear"),
    ("The kids were upstairs.", "children"),
    ("My daughter saw everything.", "children"),
])
def test_each_factor_is_found_where_it_is_said(text, factor):
    segments = [seg("Police, can I come in?", 1000), seg(text, 5000), seg("Thank you, we'll be in touch.", 12000)]
    hits = [(f, ms) for f, ms in found(segments) if f == factor]
    assert hits, risk.suggest(segments)
    assert all(5000 <= ms < 5000 + 320 * len(text.split()) for _f, ms in hits)


@pytest.mark.parametrize("text", [
    "Let's kill time at the shop before the bus comes.",
    "I've got a sore throat from the cold.",
    "He strolled home from the pub at about ten.",
    "Don't throw trash on the street.",
    "Small children came to see him.",
    "I'm afraid not, officer, he's out.",
    "Could you throw the bolt on the gate for me?",
    "These days a chicken leg is a rare dish.",
])
def test_ordinary_talk_is_not_suggested(text):
    assert found([seg(text, 2000)]) == []


def test_unsure_sound_alike_is_suggested_with_the_word_it_may_be():
    # The sample case's draft: "He's twangled me" for "He strangled me".
    segments = [seg("He's twangled me. He put his coat on.", 7500, unsure={1: 0.31})]
    [s] = risk.suggest(segments)
    assert (s.factor, s.start_ms, s.unsure) == ("strangulation", 7820, True)
    assert '"twangled me."' not in s.reason and '"twangled" (0.31), which sounds like "strangled"' in s.reason
    # The same word heard confidently is what the model heard: no guessing then.
    assert found([seg("He's twangled me. He put his coat on.", 7500)]) == []
    # Short words are never taken for risk words ("that" is not "throat").
    assert found([seg("And that was that.", 100, unsure={1: 0.1, 3: 0.1})]) == []


def test_biased_and_unsure_words_are_named_in_the_reason():
    [s] = risk.suggest([seg("He grabbed me by the throat.", 0, unsure={1: 0.3}, biased={5})])
    assert s.unsure and '"throat."' in s.reason and "told to listen for" in s.reason


def test_matches_close_together_are_one_suggestion_with_their_sentence():
    segments = [seg("He strangled me.", 1000), seg("He had his hands round my neck.", 2500),
                seg("Okay.", 6000), seg("He choked me again later that night.", 20000)]
    result = risk.suggest(segments)
    assert [(s.factor, s.start_ms) for s in result] == [("strangulation", 1320), ("strangulation", 20320)]
    first = result[0]
    assert first.words == "He strangled me. He had his hands round my neck."  # context stays in its lines
    assert first.first == 0 and first.last == 9
    assert '"strangled"' in first.reason and '"hands round my neck."' in first.reason


def test_unless_phrases_cancel_a_match():
    assert found([seg("I nearly choked on my sandwich.", 0)]) == []
    assert found([seg("I nearly choked on the bone.", 0)]) == []
    assert found([seg("He choked me.", 0)]) == [("strangulation", 320)]


def test_an_empty_draft_has_no_suggestions():
    assert risk.suggest([]) == []


def write_list(path, factors, **extra):
    path.write_text(json.dumps({"factors": factors, **extra}), "utf-8")
    return path


def test_a_force_list_in_the_settings_folder_replaces_the_bundled_one(user_home):
    user_home.mkdir(parents=True, exist_ok=True)
    path = risk.user_factors_path()
    write_list(path, [{"slug": "coercion", "name": "Coercive control", "category": "disclosure",
                       "phrases": ["won't let me|her * money", "re:\\btakes? my phone\\b"]}])
    factors = risk.load_factors()
    assert factors.source == str(path)
    result = risk.suggest([seg("He won't let me have money.", 0), seg("He takes my phone off me.", 5000)], factors)
    assert [(s.factor, s.category) for s in result] == [("coercion", "disclosure")] * 2
    assert found([seg("He strangled me.", 0)], factors) == []


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "is not valid JSON"),
    ('{"factors": []}', 'has no "factors" list'),
    ('{"factors": [{"slug": "x"}]}', 'needs a "slug" and a "name"'),
    ('{"factors": [{"slug": "x", "name": "X", "phrases": []}]}', "has no phrases"),
    ('{"factors": [{"slug": "x", "name": "X", "phrases": "knife"}]}', "must be a list"),
    ('{"factors": [{"slug": "x", "name": "X", "phrases": ["re:("]}]}', "cannot be used"),
    ('{"factors": [{"slug": "x", "name": "X", "phrases": ["!!"]}]}', "cannot be used"),
    ('{"factors": [{"slug": "x", "name": "X", "phrases": ["a"]}, {"slug": "x", "name": "Y", "phrases": ["b"]}]}',
     "names a factor twice"),
])
def test_a_broken_list_is_one_clear_sentence(tmp_path, content, message):
    path = tmp_path / "factors.json"
    path.write_text(content, "utf-8")
    with pytest.raises(ReviewError, match=message) as err:
        risk.load_factors(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_a_missing_list_is_one_clear_sentence(tmp_path):
    with pytest.raises(ReviewError, match="does not exist"):
        risk.load_factors(tmp_path / "nowhere.json")


def test_six_hours_of_draft_is_searched_quickly():
    import time

    line = "we were talking about the weather and the football and what to have for tea tonight"
    segments = [seg(line, i * 6000) for i in range(3600)]  # ~60,000 words, six hours
    segments[1800] = seg("he strangled me in the kitchen", 1800 * 6000)
    clock = time.perf_counter()
    result = risk.suggest(segments)
    took = time.perf_counter() - clock
    assert [(s.factor, s.start_ms) for s in result] == [("strangulation", 1800 * 6000 + 320)]
    assert took < 10, took  # a bound that catches a quadratic search, not a timing target
