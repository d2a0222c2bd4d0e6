"""Instants as integers: aware datetimes to UTC microseconds and back, and wall-clock rules.

Everything the timeline computes is an ``int`` of microseconds since 1970-01-01T00:00Z,
so the arithmetic is exact: no floats anywhere.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from ._errors import HorizonError, NaiveDatetimeError

__all__ = [
    "EPOCH", "ONE_US", "US_PER_DAY", "US_PER_MINUTE", "from_us", "instant_text", "to_us",
    "wall_to_us",
]

US_PER_SECOND = 1_000_000
US_PER_MINUTE = 60 * US_PER_SECOND
US_PER_DAY = 86_400 * US_PER_SECOND
#: The instant 0 and the unit of every integer slaclock computes with.
ONE_US = timedelta(microseconds=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = EPOCH.toordinal()
_UTC = UTC


def instant_text(value: datetime) -> str:
    """An instant as every output of slaclock writes it: ISO 8601 with its offset, to the
    second unless there are microseconds (``datetime.isoformat()``).

    An offset that is not a whole number of minutes (a zone's local mean time before its
    first transition: Moscow's ``+02:30:17`` in year 1) cannot be written in RFC 3339,
    which JSON readers and spreadsheets expect: such an instant is written in UTC, the
    same instant.

    >>> from zoneinfo import ZoneInfo
    >>> instant_text(datetime(2026, 5, 4, 10, tzinfo=ZoneInfo("Europe/Moscow")))
    '2026-05-04T10:00:00+03:00'
    >>> instant_text(datetime(1, 1, 2, 10, tzinfo=ZoneInfo("Europe/Moscow")))
    '0001-01-02T07:29:43+00:00'
    """
    text = value.isoformat()
    # "+HH:MM:SS" (or with microseconds) at the end: an offset in seconds.
    if text[-9] in "+-" or (len(text) > 16 and text[-16] in "+-"):
        return value.astimezone(_UTC).isoformat()
    return text


def to_us(value: datetime, name: str = "datetime") -> int:
    """The UTC microseconds of an aware datetime (any tzinfo: zoneinfo, pytz, pendulum).

    One subtraction for a plain aware datetime (subtracting the aware epoch from a naive
    one raises, and only then are the reasons looked at).

    Raises:
        NaiveDatetimeError: for a datetime without a zone.
        TypeError: for anything that is not a datetime.
    """
    if type(value) is datetime:
        try:
            return (value - EPOCH) // ONE_US
        except TypeError:
            pass
    return _to_us_slowly(value, name)


def _to_us_slowly(value: datetime, name: str) -> int:
    try:
        offset = value.utcoffset()
    except AttributeError:
        raise TypeError(
            f"{name} must be an aware datetime.datetime, not {type(value).__name__} "
            f"({value!r})"
        ) from None
    if offset is None:
        if not isinstance(value, datetime):
            raise TypeError(
                f"{name} must be an aware datetime.datetime, not {type(value).__name__}"
            )
        raise NaiveDatetimeError(name, value)
    # Subclasses (pendulum) may override subtraction; use the stdlib's.
    return _timedelta_floordiv(_datetime_sub(value, EPOCH), ONE_US)


_datetime_sub = datetime.__sub__
_timedelta_floordiv = timedelta.__floordiv__


def like(result: datetime, model: datetime) -> datetime:
    """``result`` as an instance of ``model``'s class (pendulum in, pendulum out)."""
    cls = type(model)
    if cls is datetime:
        return result
    return cls.combine(result.date(), result.timetz())


def duration_us(value: timedelta, name: str = "duration") -> int:
    """The exact microseconds of a timedelta (pendulum's Duration included)."""
    if not isinstance(value, timedelta):
        raise TypeError(f"{name} must be a datetime.timedelta, not {type(value).__name__}")
    return _timedelta_floordiv(value, ONE_US)


def from_us(us: int, zone: tzinfo | None) -> datetime:
    """The aware datetime at ``us`` UTC microseconds, expressed in ``zone``.

    ``zone`` is the tzinfo of the caller's input, so a result comes back in the zone it
    was asked in (pytz zones are converted with their own ``fromutc``).
    """
    try:
        utc = EPOCH + timedelta(microseconds=us)
    except OverflowError:
        raise HorizonError(
            f"the result ({us} microseconds after 1970-01-01 UTC) is outside the years a "
            "datetime can hold"
        ) from None
    if zone is _UTC or zone is None:
        return utc
    try:
        return utc.astimezone(zone)
    except OverflowError:
        raise HorizonError(
            f"the result ({utc.isoformat()}) cannot be written in the zone {zone}: its local "
            "time is outside the years a datetime can hold"
        ) from None


def date_us(day: date) -> int:
    """Microseconds from the epoch to the wall-clock midnight starting ``day``, as if UTC."""
    return (day.toordinal() - _EPOCH_ORDINAL) * US_PER_DAY


_OFFSETS: dict[timedelta, int] = {}


def bound_to_us(zone: ZoneInfo, day: date, minute: int, *, end: bool) -> int:
    """The UTC instant of minute ``minute`` after the wall-clock midnight of ``day``
    (``minute`` may pass 1440: an overnight bound), by the rule of :func:`wall_to_us`.

    The fast path of compiling: a time that happens exactly once costs two offset
    look-ups; only a DST gap or fold goes the long way.
    """
    if minute >= 1440:
        try:
            day = day + timedelta(days=minute // 1440)
            minute %= 1440
        except OverflowError:
            # Past 31 December 9999: no transition there; the day's last offset holds.
            last = zone.utcoffset(datetime(day.year, day.month, day.day, 23, 59))
            assert last is not None
            return date_us(day) + minute * US_PER_MINUTE - last // ONE_US
    naive = datetime(day.year, day.month, day.day, minute // 60, minute % 60)
    before = zone.utcoffset(naive)
    if before == zone.utcoffset(naive.replace(fold=1)):
        offset = _OFFSETS.get(before)  # type: ignore[arg-type]
        if offset is None:
            offset = _OFFSETS.setdefault(before, before // ONE_US)  # type: ignore[arg-type,operator]
        return date_us(day) + minute * US_PER_MINUTE - offset
    return wall_to_us(zone, date_us(day) + minute * US_PER_MINUTE, end=end)


def _offset_us(zone: ZoneInfo, wall: int, fold: int) -> int:
    naive = datetime(1970, 1, 1) + timedelta(microseconds=wall)
    offset = naive.replace(tzinfo=zone, fold=fold).utcoffset()
    assert offset is not None
    return offset // ONE_US


def wall_to_us(zone: ZoneInfo, wall: int, *, end: bool) -> int:
    """The UTC instant of a wall-clock time (``wall``: microseconds of naive local time).

    The rule for a bound of an open interval:

    - a wall time that happens once maps to that instant;
    - in an autumn fold (the wall time happens twice) a start takes the first occurrence
      and an end the second, so an interval keeps all the time it names;
    - in a spring-forward gap (the wall time never happens) the bound moves to the first
      valid instant after it: the moment of the transition.
    """
    before = _offset_us(zone, wall, 0)
    after = _offset_us(zone, wall, 1)
    if before == after:
        return wall - before
    first, second = wall - before, wall - after
    if _offset_at(zone, first) == before and _offset_at(zone, second) == after:
        # A fold: both candidates read back as this wall time.
        return max(first, second) if end else min(first, second)
    # A gap: the transition lies between the two candidates; find it to the second.
    lo, hi = min(first, second), max(first, second)
    lo_off = _offset_at(zone, lo)
    while hi - lo > US_PER_SECOND:
        mid = (lo + hi) // 2 // US_PER_SECOND * US_PER_SECOND
        if mid <= lo:
            mid = lo + US_PER_SECOND
        if _offset_at(zone, mid) == lo_off:
            lo = mid
        else:
            hi = mid
    return hi


def _offset_at(zone: ZoneInfo, instant: int) -> int:
    offset = (EPOCH + timedelta(microseconds=instant)).astimezone(zone).utcoffset()
    assert offset is not None
    return offset // ONE_US
