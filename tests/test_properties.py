"""The compiled timeline against the naive reference, and the algebra of working time."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import reference
from slaclock import Calendar, HorizonError
from strategies import ZONES, calendars, durations, instants


def reference_add(cal: Calendar, a, d):
    """The reference's deadline; examples it cannot reach in its window are discarded."""
    try:
        return reference.add(cal, a, d)
    except reference.OutOfReach:
        assume(False)
        raise


def elapsed(start, end) -> timedelta:
    """Real elapsed time: Python subtracts two datetimes of one zone by wall clock."""
    return end.astimezone(UTC) - start.astimezone(UTC)


def same_instant(x, y) -> bool:
    """Equal as instants (within one zone Python compares wall clocks and ignores fold)."""
    return x.astimezone(UTC) == y.astimezone(UTC)


def within_reach(cal: Calendar, d: timedelta) -> None:
    """Keep durations the weekly hours use up in about half a year: a sparse random
    calendar would otherwise need centuries (a LongCompileWarning, and slow examples)."""
    weekly = sum(end - start for day in cal.hours.days for start, end in day)
    assume(weekly > 0 and abs(d) <= timedelta(minutes=weekly) * 26)


def checked(cal: Calendar) -> Calendar:
    cal._compiled._check()
    return cal


@given(calendars(), instants(), instants())
def test_business_time_matches_reference(cal: Calendar, a, b) -> None:
    assert cal.business_time(a, b) == reference.business_time(cal, a, b)
    checked(cal)


@given(calendars(), instants(), durations)
def test_add_matches_reference(cal: Calendar, a, d) -> None:
    within_reach(cal, d)
    want = reference_add(cal, a, d)
    got = cal.add(a, d)
    assert same_instant(got, want)
    assert got.tzinfo is a.tzinfo
    checked(cal)


@given(calendars(), instants(), durations)
def test_subtract_matches_reference(cal: Calendar, a, d) -> None:
    within_reach(cal, d)
    want = reference_add(cal, a, -d)
    assert same_instant(cal.add(a, -d), want)


@given(calendars(), instants())
def test_is_open_matches_reference(cal: Calendar, t) -> None:
    assert cal.is_open(t) == reference.is_open(cal, t)


@given(calendars(), instants(), instants(), instants())
def test_additivity(cal: Calendar, a, b, c) -> None:
    assert cal.business_time(a, b) + cal.business_time(b, c) == cal.business_time(a, c)
    assert cal.business_time(a, b) == -cal.business_time(b, a)


@given(calendars(), instants(), durations)
def test_round_trip(cal: Calendar, a, d) -> None:
    within_reach(cal, d)
    deadline = cal.add(a, d)
    assert cal.business_time(a, deadline) == d
    assert same_instant(cal.add(deadline, -d), a if d == timedelta(0) else cal.next_open(a))
    back = cal.add(a, -d)
    assert cal.business_time(back, a) == d


@given(calendars(), instants(), durations, durations)
def test_deadlines_are_monotonic(cal: Calendar, a, d1, d2) -> None:
    within_reach(cal, max(d1, d2))
    lo, hi = sorted((d1, d2))
    assert cal.add(a, lo).astimezone(UTC) <= cal.add(a, hi).astimezone(UTC)


@given(calendars(), instants(), st.timedeltas(timedelta(0), timedelta(days=20)))
def test_periods_sum_to_business_time(cal: Calendar, a, span) -> None:
    periods = list(cal.periods(a, a + span))
    assert sum((elapsed(s, e) for s, e in periods), timedelta(0)) == cal.business_time(a, a + span)
    for (_, e1), (s2, _) in itertools.pairwise(periods):
        assert elapsed(e1, s2) > timedelta(0)
    for s, e in periods:
        assert cal.is_open(s)
        assert not cal.is_open(e) or same_instant(e, a + span)


@given(calendars(), instants())
def test_next_open_and_close(cal: Calendar, t) -> None:
    assume(any(cal.hours.days))
    opening = cal.next_open(t)
    assert elapsed(t, opening) >= timedelta(0)
    assert cal.is_open(opening)
    assert cal.business_time(t, opening) == timedelta(0)
    closing = cal.next_close(t)
    if closing is not None:
        assert elapsed(opening, closing) > timedelta(0)
        assert not cal.is_open(closing)
        assert cal.business_time(opening, closing) == elapsed(opening, closing)


@given(calendars(), calendars(), st.sampled_from("&|-"), instants(), instants())
def test_combined_calendars_match_reference(left, right, op, a, b) -> None:
    combined = {"&": left & right, "|": left | right, "-": left - right}[op]
    assert combined.business_time(a, b) == reference.business_time(combined, a, b)
    combined._compiled._check()


@given(calendars(), instants())
def test_previous_open_matches_reference(cal: Calendar, t) -> None:
    want = reference.previous_open(cal, t)
    assume(want is not None)  # the reference looks back 60 days only
    got = cal.previous_open(t)
    assert same_instant(got, want)
    assert got.tzinfo is t.tzinfo
    assert cal.business_time(got, t) == timedelta(0)


@given(calendars(), instants())
def test_previous_close_matches_reference(cal: Calendar, t) -> None:
    want = reference.previous_close(cal, t)
    got = cal.previous_close(t)
    assume(got is not None)  # open for 50 years before t: the reference cannot see that
    assert same_instant(got, want)
    assert cal.business_time(got, t) == elapsed(got, t)


@given(calendars(), instants(), st.timedeltas(timedelta(0), timedelta(days=20)))
def test_periods_walk_backwards_as_they_walk_forwards(cal: Calendar, a, span) -> None:
    b = a + span
    forward = [(s.astimezone(UTC), e.astimezone(UTC)) for s, e in cal.periods(a, b)]
    backward = [(s.astimezone(UTC), e.astimezone(UTC)) for s, e in cal.periods(b, a)]
    assert backward == forward[::-1]


@given(calendars(), instants(), durations)
def test_going_back_then_forward_lands_on_the_last_open_instant(cal: Calendar, a, d) -> None:
    within_reach(cal, d)
    assume(d > timedelta(0))
    try:
        back = cal.add(a, -d)
    except HorizonError:
        assume(False)
        raise
    forth = cal.add(back, d)
    assert cal.business_time(back, forth) == d
    # a itself when the desk was open just before a; else the end of the last period
    # before a, which is previous_open of the instant just before a.
    just_before = a.astimezone(UTC) - timedelta(microseconds=1)
    if cal.is_open(just_before):
        assert same_instant(forth, a)
    else:
        assert same_instant(forth, cal.previous_open(just_before))


@given(
    st.sampled_from(ZONES), st.sampled_from(ZONES), st.integers(0, 23), st.integers(0, 23),
    st.integers(1, 10), st.integers(1, 10), st.sampled_from("&-"),
)
def test_a_proof_that_a_combination_never_opens_agrees_with_the_reference(
    left_zone, right_zone, left_start, right_start, left_hours, right_hours, op
) -> None:
    def hours(start: int, length: int) -> dict[str, str]:
        return {"mon-fri": f"{start:02d}:00-{(start + length) % 24:02d}:00"}

    left = Calendar(tz=left_zone, hours=hours(left_start, left_hours))
    right = Calendar(tz=right_zone, hours=hours(right_start, right_hours))
    combined = left & right if op == "&" else left - right
    assume(combined._never_opens_from(2024, forward=True))
    # Two weeks around each DST change of the zones sampled, and one plain fortnight.
    for month, day in ((1, 8), (3, 4), (3, 25), (4, 1), (10, 1), (10, 21), (10, 30)):
        a = datetime(2024, month, day, tzinfo=UTC)
        assert reference.business_time(combined, a, a + timedelta(days=14)) == timedelta(0)
    with pytest.raises(HorizonError, match="never opens"):
        combined.add(datetime(2024, 1, 1, tzinfo=UTC), timedelta(minutes=1))
