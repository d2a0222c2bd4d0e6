"""The policy's levels, selection rules and calendars as issue #22 asks them: what
helpdesks write (per-priority targets, tickets without an SLA, richer conditions,
schedules chosen by a field, calendars from other tools), each from the helpdesk's public
definition, and the policy reader agreeing with what the library prints."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given

from slaclock import ConfigError, PolicyError, WeeklyHours, load_policy
from strategies_rules import weekly_hours

BER = ZoneInfo("Europe/Berlin")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- item 12: the weekly hours a policy takes are the ones WeeklyHours prints ------------


@given(weekly_hours())
def test_weekly_hours_read_back_what_they_print(hours: WeeklyHours) -> None:
    assert WeeklyHours.parse(str(hours)) == hours


def test_the_printed_form_of_weekly_hours_is_read_day_by_day() -> None:
    hours = WeeklyHours.parse("mon-thu: 09:00-18:00; fri: 09:00-16:45; sat: closed")
    # 09:00 is minute 540, 18:00 minute 1080, 16:45 minute 16*60+45 = 1005.
    assert hours.days == (((540, 1080),),) * 4 + (((540, 1005),), (), ())


def test_a_policy_calendar_takes_the_hours_a_calendar_prints(tmp_path: Path) -> None:
    """The text ``str(WeeklyHours)`` prints ('mon-fri: 09:00-17:00') was refused by a
    policy file as "not an interval" (issue #22, item 12)."""
    policy = load_policy(write(tmp_path, "desk.toml", """
version = "1"
effective = 2026-01-01
[calendars.office]
tz = "Europe/Berlin"
hours = "mon-fri: 09:00-17:00; sat: 10:00-14:00"
[levels.standard]
reaction = { hours = 6, clock = "office" }
"""))
    office = policy.calendars["office"]  # type: ignore[union-attr]
    assert str(office.hours) == "mon-fri: 09:00-17:00; sat: 10:00-14:00"
    # Opened Friday 2026-06-05 at 15:00: 2 h on Friday (15-17), 4 h on Saturday (10-14):
    # the six hours end Saturday at 14:00.
    deadline = policy.deadlines("standard", datetime(2026, 6, 5, 15, tzinfo=BER))  # type: ignore[union-attr]
    assert deadline["reaction_deadline"] == datetime(2026, 6, 6, 14, tzinfo=BER)


@pytest.mark.parametrize(("text", "problem"), [
    ("09:00-10:00; 11:00-12:00", "is not weekdays and their hours"),
    ("mon: 09:00-10:00; mon: 11:00-12:00", "given hours twice"),
    ("mon-fri: 9", "is not an interval"),
    ("xyz: 09:00-10:00", "unknown weekday"),
])
def test_a_weekly_text_that_is_not_weekdays_and_hours_says_what_to_write(
    text: str, problem: str
) -> None:
    with pytest.raises(ConfigError, match=problem):
        WeeklyHours.parse(text)


def test_a_policy_with_a_wrong_weekly_text_names_the_calendar_key(tmp_path: Path) -> None:
    path = write(tmp_path, "desk.toml", """
version = "1"
effective = 2026-01-01
[calendars.office]
tz = "Europe/Berlin"
hours = "mon-fri: 09:00-17:00; funday: 10:00-14:00"
[levels.standard]
reaction = { hours = 6, clock = "office" }
""")
    with pytest.raises(PolicyError, match=r"calendars\.office\.hours.*unknown weekday"):
        load_policy(path)


