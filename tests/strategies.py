"""Hypothesis strategies for calendars and instants, shared by the property tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import assume
from hypothesis import strategies as st

from slaclock import Calendar, ConfigError

#: Zones with the DST situations the engine must get right: US and UK rules, a 30-minute
#: DST shift (Lord Howe), a +05:45 offset (Kathmandu), no DST at all (Moscow, UTC).
ZONES = (
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Europe/Moscow",
    "UTC",
)
FIRST_DAY = date(2024, 1, 1)
LAST_DAY = date(2025, 12, 31)

# Minutes that land on DST edges in the zones above (01:00-03:00 local).
_EDGE_MINUTES = st.sampled_from([0, 60, 90, 105, 120, 150, 165, 180, 1410, 1440])
minutes = st.one_of(st.integers(0, 1440), _EDGE_MINUTES)


def _fmt(minute: int) -> str:
    return f"{minute // 60 % 24 if minute < 1440 else 24:02d}:{minute % 60:02d}"


@st.composite
def day_hours(draw: st.DrawFn) -> str:
    """One day's hours as text: closed, one to three intervals, maybe one overnight."""
    count = draw(st.integers(0, 3))
    bounds = sorted(draw(st.sets(minutes, min_size=2 * count, max_size=2 * count)))
    pairs = list(zip(bounds[::2], bounds[1::2], strict=True))
    if not pairs:
        return "closed"
    text = [f"{_fmt(s)}-{_fmt(e)}" for s, e in pairs]
    last_start, _last_end = pairs[-1]
    if last_start < 1440 and draw(st.booleans()) and draw(st.booleans()):
        # make the last interval cross midnight, ending early next morning
        text[-1] = f"{_fmt(last_start)}-{_fmt(draw(st.integers(1, max(1, pairs[0][0]))))}"
    return ", ".join(text)


dates = st.dates(FIRST_DAY - timedelta(days=7), LAST_DAY + timedelta(days=7))


@st.composite
def calendars(draw: st.DrawFn, zones: tuple[str, ...] = ZONES) -> Calendar:
    """A random calendar: hours per weekday, holidays, working days, shortened days,
    overrides. Invalid combinations (overlaps across midnight) are rejected."""
    week = {day: draw(day_hours()) for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    off = draw(st.sets(dates, max_size=6))
    working = draw(st.sets(dates, max_size=4)) - off
    try:
        return Calendar(
            tz=draw(st.sampled_from(zones)),
            hours=week,
            holidays=draw(st.sets(dates, max_size=6)),
            days_off=off,
            working_days=working,
            shortened=draw(st.dictionaries(dates, st.integers(1, 600), max_size=4)),
            overrides=draw(st.dictionaries(dates, day_hours(), max_size=4)),
        )
    except ConfigError:
        assume(False)
        raise


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    """An aware instant in 2024-2025, often near a DST transition, in a random zone."""
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    near_transition = draw(st.booleans())
    if near_transition:
        day = draw(st.sampled_from([
            date(2024, 3, 10), date(2024, 11, 3), date(2024, 3, 31), date(2024, 10, 27),
            date(2024, 4, 7), date(2024, 10, 6), date(2025, 3, 9), date(2025, 10, 26),
        ]))
        base = datetime(day.year, day.month, day.day)
        wall = base + timedelta(microseconds=draw(st.integers(-86_400_000_000, 2 * 86_400_000_000)))
    else:
        wall = draw(st.datetimes(datetime(2024, 1, 1), datetime(2025, 12, 31)))
    return wall.replace(tzinfo=zone, fold=draw(st.integers(0, 1)))


durations = st.one_of(
    st.timedeltas(timedelta(0), timedelta(days=40)),
    st.timedeltas(timedelta(0), timedelta(hours=30)),
    st.integers(0, 10_000).map(lambda m: timedelta(minutes=m)),
)
