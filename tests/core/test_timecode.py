from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bwv_review.core.errors import ReviewError
from bwv_review.core.timecode import clock_at, format_ms, local, parse_instant, parse_time


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("12.5", 12_500),
        ("0", 0),
        ("00:06:12.400", 372_400),
        ("06:12.4", 372_400),
        ("1:02:03", 3_723_000),
        ("3:07", 187_000),
        ("0.0005", 1),  # rounded half up to the millisecond
        ("0.0004", 0),
        (" 7.25 ", 7_250),
    ],
)
def test_parse_time_forms(text, ms):
    assert parse_time(text) == ms


@pytest.mark.parametrize("text", ["", "-1", "-00:00:01", "abc", "1:2:3:4", "00:61:00", "12,5", "1e3", "∞"])
def test_parse_time_refuses(text):
    with pytest.raises(ReviewError):
        parse_time(text)


@given(st.integers(min_value=0, max_value=99 * 3_600_000))
def test_format_then_parse_round_trips(ms):
    assert parse_time(format_ms(ms)) == ms


@given(st.text(max_size=30))
def test_parse_time_never_raises_anything_but_review_error(text):
    try:
        value = parse_time(text)
    except ReviewError:
        return
    assert value >= 0


def test_instant_needs_an_offset():
    with pytest.raises(ReviewError, match="no UTC offset"):
        parse_instant("2019-07-01T23:34:55")
    assert parse_instant("2019-07-01T22:34:55Z") == datetime(2019, 7, 1, 22, 34, 55, tzinfo=UTC)


def test_clock_time_crosses_dst_change_in_london():
    # 2019-03-31 01:00 UTC the UK clocks go forward: 00:59:30 GMT, then 02:00:30 BST.
    start = "2019-03-31T00:59:30+00:00"
    before = local(clock_at(start, 0), "Europe/London")
    after = local(clock_at(start, 60_000), "Europe/London")
    assert (before.hour, before.minute, before.utcoffset().total_seconds()) == (0, 59, 0)
    assert (after.hour, after.minute, after.utcoffset().total_seconds()) == (2, 0, 3600)
