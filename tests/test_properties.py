"""The compiled timeline against the naive reference, and the algebra of working time."""

from __future__ import annotations

import itertools
from datetime import UTC, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

import reference
from slaclock import Calendar, HorizonError
from strategies import calendars, durations, instants


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


def checked(cal: Calendar) -> Calendar:
    cal._compiled._check()
    return cal


@given(calendars(), instants(), instants())
def test_business_time_matches_reference(cal: Calendar, a, b) -> None:
    assert cal.business_time(a, b) == reference.business_time(cal, a, b)
    checked(cal)


@given(calendars(), instants(), durations)
def test_add_matches_reference(cal: Calendar, a, d) -> None:
    if not any(cal.hours.days):
        return
    got = cal.add(a, d)
    assert same_instant(got, reference_add(cal, a, d))
    assert got.tzinfo is a.tzinfo
    checked(cal)


@given(calendars(), instants(), durations)
def test_subtract_matches_reference(cal: Calendar, a, d) -> None:
    if not any(cal.hours.days):
        return
    assert same_instant(cal.add(a, -d), reference_add(cal, a, -d))


@given(calendars(), instants())
def test_is_open_matches_reference(cal: Calendar, t) -> None:
    assert cal.is_open(t) == reference.is_open(cal, t)


@given(calendars(), instants(), instants(), instants())
def test_additivity(cal: Calendar, a, b, c) -> None:
    assert cal.business_time(a, b) + cal.business_time(b, c) == cal.business_time(a, c)
    assert cal.business_time(a, b) == -cal.business_time(b, a)


@given(calendars(), instants(), durations)
def test_round_trip(cal: Calendar, a, d) -> None:
    if not any(cal.hours.days):
        return
    deadline = cal.add(a, d)
    assert cal.business_time(a, deadline) == d
    assert same_instant(cal.add(deadline, -d), a if d == timedelta(0) else cal.next_open(a))
    back = cal.add(a, -d)
    assert cal.business_time(back, a) == d


@given(calendars(), instants(), durations, durations)
def test_deadlines_are_monotonic(cal: Calendar, a, d1, d2) -> None:
    if not any(cal.hours.days):
        return
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
    if not any(cal.hours.days):
        return
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
def test_going_back_then_forward_lands_on_previous_open(cal: Calendar, a, d) -> None:
    assume(d > timedelta(0) and any(cal.hours.days))
    try:
        back = cal.add(a, -d)
    except HorizonError:
        assume(False)
        raise
    forth = cal.add(back, d)
    # The latest instant with d of working time before it: a itself when the desk was
    # open just before a, else the end of the last period before a.
    assert cal.business_time(back, forth) == d
    assert same_instant(forth, a) or (
        not cal.is_open(a.astimezone(UTC) - timedelta(microseconds=1))
        and same_instant(forth, cal.previous_open(a))
    )
