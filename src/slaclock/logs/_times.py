"""Times as logs and exports write them, read by one rule for every source.

:func:`parse_time` reads ISO 8601 (and the other forms pendulum reads), Unix seconds or
milliseconds, a pattern of pendulum's tokens (``DD.MM.YYYY HH:mm``), or a datetime
already made (a DataFrame's timestamp). A time with an offset is that instant; a time
without one is a wall-clock time in the zone the source names, refused when it names none
(never read as UTC) and refused when the zone makes it ambiguous (an autumn fold) or
impossible (a spring gap). Every source (an event log, an export through its mapping, a
DataFrame, the command line) calls it; each may say in its own words what to do about a
time it cannot read. :class:`TimeReader` is the log reader's: the same rule, with a fast
path for the usual text and one zone object shared by every row of an offset.
"""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "TimeReader",
    "localize",
    "parse_time",
    "parse_zone",
    "pattern_hint",
    "swapped_day_and_month",
    "time_format_for",
]

_ISO_HINT = "expected ISO 8601 with an offset, e.g. 2026-04-30T17:30:00+03:00"
#: What a log's reader says of a time it cannot read, and of one without a zone.
UNREADABLE = "unparseable time {text!r}: " + _ISO_HINT
NO_ZONE = ("time {text!r} has no UTC offset: add one (2026-04-30T17:30+03:00) or say which "
           "zone it is in (--tz Europe/Moscow)")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_zone(name: str) -> ZoneInfo:
    """The IANA zone called ``name``, or a :class:`ValueError` that says what to give."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}: give an IANA name such as 'Europe/Moscow' or 'UTC'"
        ) from None


def parse_time(
    value: str | datetime | Any,
    tz: tzinfo | None = None,
    *,
    fmt: str = "iso",
    unreadable: str = UNREADABLE,
    no_zone: str = NO_ZONE,
) -> datetime:
    """An aware datetime from a time as a source writes it.

    Args:
        value: the text, or a datetime (or anything with ``to_pydatetime``, a pandas
            timestamp).
        tz: the zone of a time written without an offset (refused without one).
        fmt: how the text is written: ``"iso"`` (ISO 8601, and the forms pendulum reads
            besides, such as ``20260430T173000+0300``), ``"unix"`` (seconds since 1970),
            ``"unix_ms"`` (milliseconds), or a pattern of pendulum's tokens.
        unreadable: what to say of a text that is not a time in ``fmt``: a template of
            ``{text!r}`` and ``{fmt!r}``.
        no_zone: what to say of a time without an offset when ``tz`` is ``None``: a
            template of ``{text!r}``.

    Raises:
        ValueError: with a one-sentence reason.

    >>> parse_time("2026-04-30T17:30+03:00").isoformat()
    '2026-04-30T17:30:00+03:00'
    >>> parse_time("2026-04-30 17:30")
    Traceback (most recent call last):
    ...
    ValueError: time '2026-04-30 17:30' has no UTC offset: add one (...) or say which zone ...
    >>> parse_time("2026-04-30 17:30", ZoneInfo("Europe/Moscow")).isoformat()
    '2026-04-30T17:30:00+03:00'
    >>> parse_time("30.04.2026 17:30", ZoneInfo("Europe/Moscow"), fmt="DD.MM.YYYY HH:mm")
    datetime.datetime(2026, 4, 30, 17, 30, tzinfo=zoneinfo.ZoneInfo(key='Europe/Moscow'))
    >>> parse_time("1777559400", fmt="unix").isoformat()
    '2026-04-30T14:30:00+00:00'
    """
    if not isinstance(value, str):
        if hasattr(value, "to_pydatetime"):
            value = value.to_pydatetime()
        if not isinstance(value, datetime):
            raise ValueError(f"time {value!r} is not text")
        if value.tzinfo is None:
            return _in_zone(value.isoformat(), value, tz, no_zone)
        return value
    text = value.strip()
    if fmt == "iso":
        try:
            found = datetime.fromisoformat(text)
        except ValueError:
            found = _parse_with_pendulum(text, unreadable)
    elif fmt in ("unix", "unix_ms"):
        try:
            number = float(text)
        except ValueError:
            raise ValueError(unreadable.format(text=text, fmt=fmt)) from None
        return _from_epoch(text, number, fmt)
    else:
        found = _pattern_time(text, fmt, unreadable)
    if found.tzinfo is None:
        return _in_zone(text, found, tz, no_zone)
    return found


def _from_epoch(text: str, number: float, fmt: str) -> datetime:
    """The instant ``number`` seconds (``"unix"``) or milliseconds (``"unix_ms"``) after
    1970 began; a number no datetime can hold (years 1 to 9999, ``nan``) is refused, and
    seconds that would be such a time as milliseconds say so."""
    seconds = number / 1000 if fmt == "unix_ms" else number
    try:
        return _EPOCH + timedelta(seconds=seconds)
    except (OverflowError, ValueError):
        pass
    unit = "milliseconds" if fmt == "unix_ms" else "seconds"
    hint = ""
    if fmt == "unix":
        with contextlib.suppress(OverflowError, ValueError):
            _EPOCH + timedelta(seconds=number / 1000)
            hint = ': it looks like milliseconds: read it with time_format "unix_ms"'
    raise ValueError(f"time {text!r} is not a time as {unit} since 1970 (it is outside the "
                     f"years 1 to 9999){hint}")


def _in_zone(text: str, naive: datetime, tz: tzinfo | None, no_zone: str) -> datetime:
    if tz is None:
        raise ValueError(no_zone.format(text=text))
    return localize(text, naive, tz)


def _parse_with_pendulum(text: str, unreadable: str) -> datetime:
    """The forms :meth:`datetime.fromisoformat` refuses (``20260430T173000+0300``, ...).

    pendulum's top-level ``parse`` reads a text without an offset as UTC; its parsing
    module does not, so a naive result stays naive and :func:`parse_time` can refuse it.
    """
    import pendulum.parsing

    try:
        parsed = pendulum.parsing.parse(text)
    except (ValueError, TypeError):
        parsed = None
    if not isinstance(parsed, datetime):
        raise ValueError(unreadable.format(text=text, fmt="iso"))
    offset = parsed.utcoffset()
    zone = None if offset is None else timezone(offset)
    return datetime(
        parsed.year, parsed.month, parsed.day, parsed.hour, parsed.minute, parsed.second,
        parsed.microsecond, tzinfo=zone,
    )


def _pattern_time(text: str, fmt: str, unreadable: str) -> datetime:
    """A text written in the pattern ``fmt`` (pendulum's tokens); naive unless the pattern
    reads an offset."""
    from pendulum.formatting import Formatter

    try:
        parts = Formatter().parse(text, fmt, None)  # type: ignore[arg-type]
        return datetime(
            parts["year"], parts["month"], parts["day"], parts.get("hour") or 0,
            parts.get("minute") or 0, parts.get("second") or 0, parts.get("microsecond") or 0,
            tzinfo=parts.get("tz"),
        )
    except (ValueError, TypeError, KeyError):
        raise ValueError(unreadable.format(text=text, fmt=fmt)) from None


def localize(text: str, naive: datetime, tz: tzinfo) -> datetime:
    """The wall-clock time ``naive`` (written ``text``) in ``tz``; refused where the zone
    makes it happen twice (an autumn fold) or never (a spring gap), rather than guessed.

    Raises:
        ValueError: naming ``text`` and the zone.
    """
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        # Either a fold (both read back as this wall time) or a gap (neither does).
        back = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        what = "happens twice (a daylight-saving fold)" if back == naive else "never happens"
        raise ValueError(
            f"time {text!r} {what} in {tz}: give it with its UTC offset"
        )
    return first


#: A date written day or month first (``04.05.2026``, ``5/4/2026``), with the time of day.
_OTHER_DATE = re.compile(
    r"(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<year>\d{4})"
    r"(?:[ T](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"(?P<ampm>\s*[AaPp][Mm])?)?"
)


def time_format_for(text: str) -> list[str]:
    """The mapping ``time_format`` patterns that read ``text``, a date written day or
    month first: one when the text says which comes first (a part over 12, or dots,
    which every locale that writes them writes day first), both (day first, then month
    first) when it cannot tell; none for any other text.

    >>> time_format_for("01.06.2026 10:00")
    ['DD.MM.YYYY HH:mm']
    >>> time_format_for("6/13/2026 9:05:00 PM")
    ['M/DD/YYYY h:mm:ss A']
    >>> time_format_for("06/01/2026")
    ['DD/MM/YYYY', 'MM/DD/YYYY']
    >>> time_format_for("2026-06-01 10:00")
    []
    """
    found = _OTHER_DATE.fullmatch(text.strip())
    if found is None:
        return []
    a, b, sep = found["a"], found["b"], found["sep"]

    def part(digits: str, name: str) -> str:
        return name * 2 if len(digits) == 2 else name

    day_first = f"{part(a, 'D')}{sep}{part(b, 'M')}{sep}YYYY"
    month_first = f"{part(a, 'M')}{sep}{part(b, 'D')}{sep}YYYY"
    if int(a) > 12 or sep == ".":
        dates = [day_first]
    elif int(b) > 12:
        dates = [month_first]
    else:
        dates = [day_first, month_first]
    clock = ""
    if found["hour"] is not None:
        hour = "h" if found["ampm"] else "H"
        clock = f" {part(found['hour'], hour)}:mm" + (":ss" if found["second"] else "")
        clock += " A" if found["ampm"] else ""
    return [date + clock for date in dates]


def swapped_day_and_month(pattern: str, text: str) -> str | None:
    """The pattern that reads ``text`` when ``pattern`` (a mapping's ``time_format``)
    cannot because it has the day and the month the other way round (``"MM.DD.YYYY"``
    for ``15.06.2026``); ``None`` otherwise. Such a pattern reads every date whose day is
    12 or less as another date: the export's times cannot be trusted at all.

    >>> swapped_day_and_month("MM.DD.YYYY HH:mm", "15.06.2026 10:00")
    'DD.MM.YYYY HH:mm'
    >>> swapped_day_and_month("DD.MM.YYYY HH:mm", "15.06.2026 10:00") is None
    True
    """
    found = time_format_for(text)
    if len(found) != 1:
        return None
    date, _, _clock = pattern.partition(" ")
    swapped = date.translate(str.maketrans("DM", "MD"))
    right = found[0]
    right_date = right.partition(" ")[0]
    if swapped.replace("DD", "D").replace("MM", "M") != right_date.replace(
            "DD", "D").replace("MM", "M") or swapped == date:
        return None
    return right


def pattern_hint(text: str, where: str) -> str:
    """What a reader adds for a time written day or month first: the ``time_format`` that
    reads it, ``where`` (the log's reader: a mapping given with ``--map``; a mapping's: in
    its ``[log]``)."""
    found = time_format_for(text)
    if not found:
        return ""
    said = " or ".join(f'time_format = "{pattern}"' for pattern in found)
    return f"; {said} reads it, {where}"


class TimeReader:
    """The times of one log, read by :func:`parse_time` in ``tz``, with a fast path for the
    usual text (ISO with an offset) and one zone object shared by every row of an offset,
    which keeps a large log small in memory."""

    def __init__(self, tz: tzinfo | None) -> None:
        self.tz = tz
        self.zones: dict[tzinfo, tzinfo] = {}

    def fast(self, text: str) -> datetime | None:
        """The fast path: an ISO text with an offset, or ``None``."""
        try:
            at = datetime.fromisoformat(text)
        except ValueError:
            return None
        zone = at.tzinfo
        if zone is None:
            return None
        shared = self.zones.setdefault(zone, zone)
        if shared is zone:
            return at
        # The same instant, with the zone object every row of that offset shares (so a
        # large log keeps one): astimezone does it in half the time of replace, but goes
        # through UTC, which is out of range at the ends of years 1 and 9999.
        try:
            return at.astimezone(shared)
        except OverflowError:
            return at.replace(tzinfo=shared)

    def __call__(self, text: str) -> datetime:
        """The instant of ``text``.

        Raises:
            ValueError: as :func:`parse_time`.
        """
        found = self.fast(text)
        return found if found is not None else self.slow(text)

    def slow(self, text: str) -> datetime:
        """The instant of a text the fast path does not read: :func:`parse_time` in the
        log's zone, saying of a time in another pattern (``04.05.2026 09:00``) which
        option of a mapping reads it.

        Raises:
            ValueError: as :func:`parse_time`.
        """
        return parse_time(text, self.tz, unreadable=UNREADABLE + pattern_hint(
            text, "in the [log] table of a mapping given with --map"))
