"""The policy's levels, selection rules and calendars as issue #22 asks them: what
helpdesks write (per-priority targets, tickets without an SLA, richer conditions,
schedules chosen by a field, calendars from other tools), each from the helpdesk's public
definition, and the policy reader agreeing with what the library prints."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given

from slaclock import (
    ConfigError,
    Event,
    EventError,
    PolicyError,
    Regulation,
    RegulationVersions,
    Ticket,
    WeeklyHours,
    load_policy,
)
from slaclock.policy import NO_SLA
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




# -- item 3: rule conditions beyond equality -------------------------------------------

DESK = """
version = "1"
effective = 2026-01-01
fields = ["priority", "tags", "title", "seats"]
default_level = "standard"

[calendars.office]
tz = "Europe/Berlin"
hours = "09:00-17:00"

[levels.standard]
reaction = { hours = 8, clock = "office" }
[levels.fast]
reaction = { hours = 1, clock = "office" }
"""

#: Tuesday 2 June 2026, 10:00 in Berlin: the desk is open 09:00-17:00, Monday to Friday.
TUESDAY_10 = datetime(2026, 6, 2, 10, tzinfo=BER)
#: 1 working hour later: Tuesday 11:00.
FAST_DEADLINE = datetime(2026, 6, 2, 11, tzinfo=BER)
#: 8 working hours later: 7 on Tuesday (10:00-17:00), 1 on Wednesday (09:00-10:00).
STANDARD_DEADLINE = datetime(2026, 6, 3, 10, tzinfo=BER)


def desk(tmp_path: Path, rules: str, more: str = "") -> Regulation:
    policy = load_policy(write(tmp_path, "desk.toml", DESK + more + rules))
    assert isinstance(policy, Regulation)
    return policy


def reaction_deadline(policy: Regulation, customer: str | None = None,
                      **fields: str) -> tuple[str, datetime | None]:
    """The level and reaction deadline of a ticket opened on Tuesday at 10:00."""
    ticket = Ticket("T-1", policy)
    ticket.record(Event("T-1", TUESDAY_10, "created", author="customer", customer=customer,
                        fields=fields))
    status = ticket.status(TUESDAY_10)
    return status.level, status.metric("reaction").deadline


def test_zammad_title_contains_matches_without_regard_to_case(tmp_path: Path) -> None:
    """Zammad's admin documentation, "Object Conditions" (Text field: *contains*, *contains
    not*; "Ticket context conditions do not support case sensitive string conditions"): an
    SLA for tickets whose title contains "outage" catches "VPN OUTAGE in Berlin"."""
    policy = desk(tmp_path, """
[[select]]
level = "fast"
when = { title = { contains = "outage" } }
""")
    assert reaction_deadline(policy, title="VPN OUTAGE in Berlin") == ("fast", FAST_DEADLINE)
    assert reaction_deadline(policy, title="Printer jam") == ("standard", STANDARD_DEADLINE)
    assert reaction_deadline(policy) == ("standard", STANDARD_DEADLINE)  # no title: no match


def test_zammad_title_contains_not_holds_for_a_ticket_without_a_title(tmp_path: Path) -> None:
    """Zammad's "contains not": the rule holds unless the title has one of the words."""
    policy = desk(tmp_path, """
[[select]]
level = "fast"
when = { title = { contains_not = ["test", "spam"] } }
""")
    assert reaction_deadline(policy, title="Login fails")[0] == "fast"
    assert reaction_deadline(policy, title="TEST please ignore")[0] == "standard"
    assert reaction_deadline(policy)[0] == "fast"


def test_tags_all_of_any_of_none_of_as_zammad_s_contains_all_one_and_all_not(
    tmp_path: Path,
) -> None:
    """Zammad's "Object Conditions", Tags: *contains all*, *contains one*, *contains all
    not*; Zendesk's "Conditions reference": current_tags *includes* / *not_includes*. A
    ticket's tags are one field, its items parted by commas (Zammad) or blanks (Zendesk)."""
    policy = desk(tmp_path, """
[[select]]
level = "fast"
when = { tags = { all_of = ["vip", "eu"], none_of = "spam" } }
""")
    assert reaction_deadline(policy, tags="vip, eu")[0] == "fast"       # Zammad's commas
    assert reaction_deadline(policy, tags="eu billing VIP")[0] == "fast"  # Zendesk's blanks
    assert reaction_deadline(policy, tags="vip")[0] == "standard"       # eu is missing
    assert reaction_deadline(policy, tags="vip eu spam")[0] == "standard"
    assert reaction_deadline(policy)[0] == "standard"                   # no tags at all
    any_of = desk(tmp_path, """
[[select]]
level = "fast"
when = { tags = { any_of = ["vip", "eu"] } }
""")
    assert reaction_deadline(any_of, tags="billing eu")[0] == "fast"
    assert reaction_deadline(any_of, tags="billing")[0] == "standard"


def test_zendesk_priority_is_not_low_holds_for_a_ticket_without_a_priority(
    tmp_path: Path,
) -> None:
    """Zendesk's "Conditions reference" (the SLA policy's filter): *is_not*. A ticket whose
    field is not set is not "low"."""
    policy = desk(tmp_path, """
[[select]]
level = "fast"
when = { priority = { is_not = ["low", "normal"] } }
""")
    assert reaction_deadline(policy, priority="urgent")[0] == "fast"
    assert reaction_deadline(policy, priority="normal")[0] == "standard"
    assert reaction_deadline(policy)[0] == "fast"


def test_comparisons_read_the_field_as_a_number(tmp_path: Path) -> None:
    """Zendesk's "Conditions reference": *less_than* / *greater_than*; here ``lt``, ``le``,
    ``gt``, ``ge`` on a number field (seats): a value that is no number matches none."""
    policy = desk(tmp_path, """
[[select]]
level = "fast"
when = { seats = { ge = 100, lt = 1000 } }
""")
    assert reaction_deadline(policy, seats="100")[0] == "fast"      # 100 >= 100
    assert reaction_deadline(policy, seats="999.5")[0] == "fast"
    assert reaction_deadline(policy, seats="1000")[0] == "standard"  # not < 1000
    assert reaction_deadline(policy, seats="99")[0] == "standard"
    assert reaction_deadline(policy, seats="many")[0] == "standard"
    assert reaction_deadline(policy)[0] == "standard"


ACCOUNTS = """
[accounts."Acme Corp"]
group = "Government"
territory = "India"

[accounts.Globex]
group = "Commercial"
territory = "Rest Of The World"
"""


def test_erpnext_sla_for_a_customer_group_or_territory_reads_the_customer_s_attributes(
    tmp_path: Path,
) -> None:
    """ERPNext's Service Level Agreement (erpnext/support/doctype/service_level_agreement):
    an agreement applies to a Customer, a Customer Group or a Territory, the ticket's
    customer's group and territory looked up in the customer's record. Here the customers'
    attributes are written once, under ``[accounts]``, and read by ``customer.<name>``."""
    policy = desk(tmp_path, """
[[select]]
level = "fast"
when = { "customer.group" = "Government" }

[[select]]
level = "fast"
when = { "customer.territory" = { is = "India" }, priority = "urgent" }
""", more=ACCOUNTS)
    assert reaction_deadline(policy, customer="Acme Corp") == ("fast", FAST_DEADLINE)
    assert reaction_deadline(policy, customer="Globex") == ("standard", STANDARD_DEADLINE)
    # A customer the policy has no attributes for has none: only the default applies.
    assert reaction_deadline(policy, customer="Initech")[0] == "standard"
    assert reaction_deadline(policy)[0] == "standard"


def test_a_rule_with_an_operator_selects_again_when_the_field_changes(tmp_path: Path) -> None:
    """A field change re-runs the rules (as plain equality does): the level changes and its
    targets apply by the policy's level_change rule (from the clock's start here)."""
    policy = desk(tmp_path, """
[[select]]
level = "fast"
when = { tags = { any_of = "vip" } }
""")
    ticket = Ticket("T-1", policy)
    ticket.record(Event("T-1", TUESDAY_10, "created", author="customer", fields={"tags": "eu"}))
    assert ticket.status(TUESDAY_10).metric("reaction").deadline == STANDARD_DEADLINE
    noon = datetime(2026, 6, 2, 12, tzinfo=BER)
    ticket.record(Event("T-1", noon, "field", fields={"tags": "eu vip"}))
    status = ticket.status(noon)
    # At "fast" from noon, its 1 h counted from the clock's start (10:00): due at 11:00.
    assert (status.level, status.metric("reaction").deadline) == ("fast", FAST_DEADLINE)


@pytest.mark.parametrize(("when", "key", "problem"), [
    ('{ title = { resembles = "x" } }', "select[0].when.title.resembles",
     "unknown operator"),
    ('{ seats = { ge = "100" } }', "select[0].when.seats.ge", "a number"),
    ('{ seats = { ge = true } }', "select[0].when.seats.ge", "a number"),
    ('{ tags = { all_of = [] } }', "select[0].when.tags.all_of", "at least one"),
    ('{ title = {} }', "select[0].when.title", "at least one operator"),
    ('{ "customer.size" = "big" }', "select[0].when.customer.size",
     r"no customer under \[accounts\] has"),
    ('{ "customer.group" = "Government" }', "select[0].when.customer.group",
     r"no customer under \[accounts\] has"),
])
def test_a_condition_that_cannot_be_read_names_its_key_and_what_to_write(
    tmp_path: Path, when: str, key: str, problem: str,
) -> None:
    path = write(tmp_path, "desk.toml", DESK + f"""
[[select]]
level = "fast"
when = {when}
""")
    with pytest.raises(PolicyError, match=problem) as caught:
        load_policy(path)
    assert caught.value.field == key


def test_accounts_are_tables_of_attributes(tmp_path: Path) -> None:
    path = write(tmp_path, "desk.toml", DESK + """
[accounts.Acme]
group = ["a", "b"]
""")
    with pytest.raises(PolicyError, match="a string or a number") as caught:
        load_policy(path)
    assert caught.value.field == "accounts.Acme.group"


def test_plain_equality_reads_as_it_always_did(tmp_path: Path) -> None:
    """A value or a list of values is "one of them", exactly (case and all), as before."""
    policy = desk(tmp_path, """
[[select]]
level = "fast"
when = { priority = ["urgent", "high"] }
""")
    assert policy.rules[0].when == {"priority": frozenset({"urgent", "high"})}
    assert policy.rules[0].conditions == ()
    assert reaction_deadline(policy, priority="high")[0] == "fast"
    assert reaction_deadline(policy, priority="High")[0] == "standard"


def test_accounts_at_the_top_of_a_file_of_versions_serve_every_version(tmp_path: Path) -> None:
    text = """
[accounts.Acme]
group = "Government"
[calendars.office]
tz = "Europe/Berlin"
hours = "09:00-17:00"

[[versions]]
version = "1"
effective = 2026-01-01
default_level = "standard"
levels.standard.reaction = { hours = 8, clock = "office" }
levels.fast.reaction = { hours = 1, clock = "office" }
select = [{ level = "fast", when = { "customer.group" = "Government" } }]

[[versions]]
version = "2"
effective = 2026-07-01
default_level = "standard"
levels.standard.reaction = { hours = 8, clock = "office" }
levels.fast.reaction = { hours = 2, clock = "office" }
select = [{ level = "fast", when = { "customer.group" = { is_not = "Government" } } }]
"""
    versions = load_policy(write(tmp_path, "desk.toml", text))
    assert isinstance(versions, RegulationVersions)
    first, second = versions.versions
    assert reaction_deadline(first, customer="Acme")[0] == "fast"
    assert reaction_deadline(second, customer="Acme")[0] == "standard"
    assert reaction_deadline(second, customer="Initech")[0] == "fast"  # no group: not it


# -- item 1: targets per priority inside one level ---------------------------------------

FRAPPE = """
version = "1"
effective = 2026-01-01
fields = ["priority"]
default_level = "default"

[calendars.office]
tz = "Europe/Berlin"
hours = "09:00-17:00"

[accounts.Acme]
group = "Enterprise"

# Frappe Helpdesk's "Default" SLA: a row per priority, response and resolution.
[levels.default.by.priority.Low]
reaction = { hours = 24, clock = "office" }
resolution = { hours = 72, clock = "office" }
[levels.default.by.priority.Medium]
reaction = { hours = 8, clock = "office" }
resolution = { hours = 24, clock = "office" }
[levels.default.by.priority.High]
reaction = { hours = 1, clock = "office" }
resolution = { hours = 4, clock = "office" }
[levels.default.by.priority.Urgent]
critical = true
reaction = { minutes = 30, clock = "office" }
resolution = { hours = 2, clock = "office" }

# A second SLA, for one customer group, with its own rows.
[levels.enterprise.by.priority.Medium]
reaction = { hours = 4, clock = "office" }
resolution = { hours = 16, clock = "office" }
[levels.enterprise.by.priority.Urgent]
reaction = { minutes = 15, clock = "office" }
resolution = { hours = 1, clock = "office" }

[[select]]
level = "enterprise"
when = { "customer.group" = "Enterprise" }
"""


def deadlines_of(policy: Regulation, at: datetime, *events: Event) -> tuple[str, Any, Any]:
    ticket = Ticket("T-1", policy)
    for event in events:
        ticket.record(event)
    status = ticket.status(at)
    return (status.level, status.metric("reaction").deadline,
            status.metric("resolution").deadline)


def opened(priority: str | None, customer: str | None = None) -> Event:
    fields = {} if priority is None else {"priority": priority}
    return Event("T-1", TUESDAY_10, "created", author="customer", customer=customer,
                 fields=fields)


def test_frappe_helpdesk_slas_with_a_row_per_priority_are_two_levels(tmp_path: Path) -> None:
    """Frappe Helpdesk's HD Service Level Agreement (helpdesk/helpdesk/doctype/
    hd_service_level_agreement: a "Default" SLA and conditional ones, each with a table of
    priorities, each row a response and a resolution time; an SLA applies to a ticket only
    when it lists the ticket's priority). Two SLAs that took 6 levels and 6 rules are 2
    levels with rows and 1 rule."""
    policy = load_policy(write(tmp_path, "frappe.toml", FRAPPE))
    assert isinstance(policy, Regulation)
    assert policy.level("default").rows == {
        "Low": "default[priority=Low]", "Medium": "default[priority=Medium]",
        "High": "default[priority=High]", "Urgent": "default[priority=Urgent]",
    }
    assert policy.level("default[priority=Urgent]").critical
    # Opened Tuesday 10:00; the desk works 09:00-17:00 (8 h a day).
    # Default, High: 1 h -> Tue 11:00; 4 h -> Tue 14:00.
    assert deadlines_of(policy, TUESDAY_10, opened("High")) == (
        "default[priority=High]", datetime(2026, 6, 2, 11, tzinfo=BER),
        datetime(2026, 6, 2, 14, tzinfo=BER))
    # Default, Medium: 8 h -> 7 h Tue + 1 h Wed: Wed 10:00; 24 h -> 7 + 8 + 8 + 1: Fri 10:00.
    assert deadlines_of(policy, TUESDAY_10, opened("Medium")) == (
        "default[priority=Medium]", STANDARD_DEADLINE, datetime(2026, 6, 5, 10, tzinfo=BER))
    # Enterprise (Acme's group), Urgent: 15 min -> 10:15; 1 h -> 11:00.
    assert deadlines_of(policy, TUESDAY_10, opened("Urgent", "Acme")) == (
        "enterprise[priority=Urgent]", datetime(2026, 6, 2, 10, 15, tzinfo=BER),
        FAST_DEADLINE)
    # Enterprise lists no High: it does not apply, the Default SLA's High row does.
    assert deadlines_of(policy, TUESDAY_10, opened("High", "Acme"))[0] == (
        "default[priority=High]")


def test_a_priority_change_moves_the_ticket_to_another_row_of_its_level(tmp_path: Path) -> None:
    """Zendesk's "About SLA policies and how they work": a priority change applies the
    policy's targets for the new priority; here the level_change rule (from_start: counted
    from the clock's start) applies, as for any change of level."""
    policy = load_policy(write(tmp_path, "frappe.toml", FRAPPE))
    assert isinstance(policy, Regulation)
    noon = datetime(2026, 6, 2, 12, tzinfo=BER)
    raised = Event("T-1", noon, "field", fields={"priority": "High"})
    level, reaction, resolution = deadlines_of(policy, noon, opened("Medium"), raised)
    # From Medium (8 h / 24 h) to High (1 h / 4 h) at noon, counted from 10:00: the
    # reaction was due at 11:00 (already past), the resolution at 14:00.
    assert level == "default[priority=High]"
    assert (reaction, resolution) == (FAST_DEADLINE, datetime(2026, 6, 2, 14, tzinfo=BER))


def test_a_level_s_own_targets_serve_the_values_it_has_no_row_for(tmp_path: Path) -> None:
    """A level with targets of its own as well as rows: the own targets are the row of any
    other value (and of a ticket without the field); a row's targets go over them."""
    policy = desk(tmp_path, "", more="""
[levels.plan]
reaction = { hours = 8, clock = "office" }
[levels.plan.by.priority.urgent]
reaction = { hours = 1, clock = "office" }

[[select]]
level = "plan"
when = { tags = { any_of = "plan" } }
""")
    assert reaction_deadline(policy, tags="plan", priority="urgent") == (
        "plan[priority=urgent]", FAST_DEADLINE)
    assert reaction_deadline(policy, tags="plan", priority="low") == ("plan", STANDARD_DEADLINE)
    assert reaction_deadline(policy, tags="plan") == ("plan", STANDARD_DEADLINE)
    assert reaction_deadline(policy, priority="urgent")[0] == "standard"


@pytest.mark.parametrize(("level", "key", "problem"), [
    ('[levels.x.by.priority]\n', "levels.x.by.priority", "at least one row"),
    ('[levels.x.by.severity.high]\nreaction = { hours = 1, clock = "office" }\n',
     "levels.x.by.severity", "no field 'severity'"),
    ('[levels.x.by.priority.high]\nreaction = { hours = 1, clock = "office" }\n'
     '[levels.x.by.tags.vip]\nreaction = { hours = 1, clock = "office" }\n',
     "levels.x.by", "one field"),
    ('[levels.x.by.priority.high]\nresponse = { hours = 1, clock = "office" }\n',
     "levels.x.by.priority.high.response", "unknown key"),
    ('[levels.x.by.priority.high]\nreaction = { hours = 1, clock = "office" }\n'
     '[levels."x[priority=high]"]\n', 'levels.x[priority=high]', "is a row of 'x'"),
])
def test_a_row_that_cannot_be_read_names_its_key(
    tmp_path: Path, level: str, key: str, problem: str,
) -> None:
    path = write(tmp_path, "desk.toml", DESK + level)
    with pytest.raises(PolicyError, match=re.escape(problem)) as caught:
        load_policy(path)
    assert caught.value.field == key


# -- item 12: calendars from other tools in a policy file -----------------------------

#: A schedule as Zendesk's Schedules API returns one (developer.zendesk.com, "Schedules":
#: time_zone a Rails zone name, intervals in minutes from Sunday 00:00), with the
#: holidays of its holidays endpoint beside it. Monday 09:00 is minute 1440 + 540 = 1980,
#: 17:00 is 1440 + 1020 = 2460; each next weekday adds 1440.
ZENDESK_SCHEDULE = {
    "schedule": {
        "id": 7, "name": "Berlin office", "time_zone": "Berlin",
        "intervals": [{"start_time": 1980 + 1440 * d, "end_time": 2460 + 1440 * d}
                      for d in range(5)],
    },
    "holidays": [{"id": 1, "name": "Closed", "start_date": "2026-06-03",
                  "end_date": "2026-06-03"}],
}

#: An all-day event of RFC 5545 (DTSTART;VALUE=DATE, DTEND the day after): a day off.
ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//slaclock tests//EN
BEGIN:VEVENT
UID:closed-2026-06-03@example.test
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20260603
DTEND;VALUE=DATE:20260604
SUMMARY:Closed
END:VEVENT
END:VCALENDAR
"""

#: Opened Tuesday 10:00 with 8 working hours, Wednesday 3 June closed: 7 h on Tuesday
#: (10:00-17:00), none on Wednesday, 1 h on Thursday (09:00-10:00).
OVER_THE_HOLIDAY = datetime(2026, 6, 4, 10, tzinfo=BER)


def test_a_policy_calendar_from_a_zendesk_schedule_file_beside_it(tmp_path: Path) -> None:
    """Zendesk's Schedules API ("Schedules" and "Holidays" in the Support API reference):
    the schedule JSON named by the policy, read from the policy file's folder."""
    import json

    from slaclock.helpdesks import calendar_from_zendesk

    (tmp_path / "schedule.json").write_text(json.dumps(ZENDESK_SCHEDULE), "utf-8")
    policy = load_policy(write(tmp_path, "desk.toml", """
version = "1"
effective = 2026-01-01
[calendars.office]
zendesk = "schedule.json"
[levels.standard]
reaction = { hours = 8, clock = "office" }
"""))
    assert isinstance(policy, Regulation)
    assert policy.calendars["office"] == calendar_from_zendesk(tmp_path / "schedule.json")
    assert str(policy.calendars["office"].hours) == "mon-fri: 09:00-17:00"  # type: ignore[attr-defined]
    deadline = policy.deadlines("standard", TUESDAY_10)["reaction_deadline"]
    assert deadline == OVER_THE_HOLIDAY


def test_a_zendesk_schedule_chosen_from_a_list_by_name(tmp_path: Path) -> None:
    import json

    listed = {"schedules": [
        {"id": 1, "name": "Night", "time_zone": "UTC",
         "intervals": [{"start_time": 0, "end_time": 60}]},
        ZENDESK_SCHEDULE["schedule"],
    ]}
    (tmp_path / "schedules.json").write_text(json.dumps(listed), "utf-8")
    (tmp_path / "holidays.json").write_text(
        json.dumps({"holidays": ZENDESK_SCHEDULE["holidays"]}), "utf-8")
    policy = load_policy(write(tmp_path, "desk.toml", """
version = "1"
effective = 2026-01-01
[calendars.office]
zendesk = { file = "schedules.json", select = "Berlin office", holidays = "holidays.json" }
[levels.standard]
reaction = { hours = 8, clock = "office" }
"""))
    assert isinstance(policy, Regulation)
    assert policy.deadlines("standard", TUESDAY_10)["reaction_deadline"] == OVER_THE_HOLIDAY


def test_a_policy_calendar_takes_its_holidays_from_an_ics_file(tmp_path: Path) -> None:
    """RFC 5545 all-day events as days off (the ICS reading of read_ics)."""
    (tmp_path / "closed.ics").write_text(ICS, "utf-8")
    policy = load_policy(write(tmp_path, "desk.toml", """
version = "1"
effective = 2026-01-01
[calendars.office]
tz = "Europe/Berlin"
hours = "mon-fri: 09:00-17:00"
holidays = { ics = "closed.ics" }
[levels.standard]
reaction = { hours = 8, clock = "office" }
"""))
    assert isinstance(policy, Regulation)
    assert policy.deadlines("standard", TUESDAY_10)["reaction_deadline"] == OVER_THE_HOLIDAY


@pytest.mark.parametrize(("calendar", "files", "key", "problem"), [
    ('zendesk = "missing.json"', {}, "calendars.office.zendesk", "cannot read the file"),
    ('zendesk = "bad.json"', {"bad.json": "{"}, "calendars.office.zendesk",
     "not valid JSON"),
    ('zendesk = "s.json"\ntz = "UTC"', {"s.json": "{}"}, "calendars.office.tz",
     "give only zendesk"),
    ('zendesk = { select = "x" }', {}, "calendars.office.zendesk.file", "missing"),
    ('tz = "UTC"\nhours = "09:00-17:00"\nholidays = { ics = "nope.ics" }', {},
     "calendars.office.holidays.ics", "cannot read the file"),
    ('tz = "UTC"\nhours = "09:00-17:00"\nholidays = { file = "x.ics" }', {},
     "calendars.office.holidays.file", "unknown key"),
])
def test_a_calendar_file_that_cannot_be_read_is_named_by_the_policy_key(
    tmp_path: Path, calendar: str, files: dict[str, str], key: str, problem: str,
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text, "utf-8")
    path = write(tmp_path, "desk.toml", f"""
version = "1"
effective = 2026-01-01
[calendars.office]
{calendar}
[levels.standard]
reaction = {{ hours = 8, clock = "office" }}
""")
    with pytest.raises(PolicyError, match=problem) as caught:
        load_policy(path)
    assert caught.value.field == key


# -- item 11: a ticket's schedule chosen by a field, and moving between schedules ------

SCHEDULES = """
version = "1"
effective = 2026-01-01
fields = ["schedule", "priority"]
default_level = "standard"

[calendars.office]
tz = "Europe/Berlin"
hours = "09:00-17:00"
[calendars.new_york]
tz = "America/New_York"
hours = "09:00-17:00"
[calendars.always]
preset = "always"

[levels.standard]
reaction = { hours = 8, clock = "office" }
resolution = { hours = 48, clock = "always" }
[levels.standard.calendar_by.schedule]
"New York" = { office = "new_york" }
"""

NYC = ZoneInfo("America/New_York")


def test_a_ticket_s_schedule_field_chooses_the_calendar_its_targets_count_on(
    tmp_path: Path,
) -> None:
    """Zendesk with multiple schedules gives each ticket a schedule (set by business
    rules); the SLA targets in business hours count on it. Opened Tuesday 10:00 Berlin
    (04:00 in New York, UTC-4 in June against Berlin's UTC+2) on the New York schedule:
    8 h from New York's 09:00 end at 17:00 New York time; the 24/7 resolution keeps its
    calendar (only ``office`` is replaced)."""
    policy = load_policy(write(tmp_path, "desk.toml", SCHEDULES))
    assert isinstance(policy, Regulation)
    assert policy.level("standard").calendar_rows == {"New York": "standard[schedule=New York]"}
    row = policy.level("standard[schedule=New York]")
    assert (row.targets["reaction"].clock, row.targets["resolution"].clock) == (
        "new_york", "always")
    level, reaction, resolution = deadlines_of(
        policy, TUESDAY_10, Event("T-1", TUESDAY_10, "created", author="customer",
                                  fields={"schedule": "New York"}))
    assert level == "standard[schedule=New York]"
    assert reaction == datetime(2026, 6, 2, 17, tzinfo=NYC)
    # 48 h around the clock from Tuesday 10:00: Thursday 10:00.
    assert resolution == datetime(2026, 6, 4, 10, tzinfo=BER)
    # Another schedule (or none) counts on the level's own calendars.
    other = deadlines_of(policy, TUESDAY_10, Event("T-1", TUESDAY_10, "created",
                                                   author="customer",
                                                   fields={"schedule": "Berlin"}))
    assert other[:2] == ("standard", STANDARD_DEADLINE)


def test_a_schedule_change_moves_the_ticket_by_the_level_change_rule(tmp_path: Path) -> None:
    """A ticket moved to the New York schedule at noon (Berlin): a change of level, so
    ``level_change = "from_start"`` counts the 8 h from the clock's start (Tuesday 10:00
    Berlin) on the New York calendar: due 17:00 New York time, as if it had been there
    from the start."""
    policy = load_policy(write(tmp_path, "desk.toml", SCHEDULES))
    assert isinstance(policy, Regulation)
    noon = datetime(2026, 6, 2, 12, tzinfo=BER)
    level, reaction, _ = deadlines_of(
        policy, noon,
        Event("T-1", TUESDAY_10, "created", author="customer", fields={"schedule": "Berlin"}),
        Event("T-1", noon, "field", fields={"schedule": "New York"}))
    assert (level, reaction) == ("standard[schedule=New York]",
                                 datetime(2026, 6, 2, 17, tzinfo=NYC))


def test_calendar_rows_and_priority_rows_combine(tmp_path: Path) -> None:
    """A level with rows per priority and calendars per schedule: each row has its own
    calendar rows (``standard[priority=urgent][schedule=New York]``)."""
    policy = load_policy(write(tmp_path, "desk.toml", SCHEDULES + """
[levels.standard.by.priority.urgent]
reaction = { hours = 1, clock = "office" }
"""))
    assert isinstance(policy, Regulation)
    level, reaction, _ = deadlines_of(policy, TUESDAY_10, Event(
        "T-1", TUESDAY_10, "created", author="customer",
        fields={"schedule": "New York", "priority": "urgent"}))
    # 1 h from New York's 09:00: 10:00 New York time.
    assert (level, reaction) == ("standard[priority=urgent][schedule=New York]",
                                 datetime(2026, 6, 2, 10, tzinfo=NYC))


@pytest.mark.parametrize(("table", "key", "problem"), [
    ('[levels.standard.calendar_by.region]\nEU = { office = "always" }\n',
     "levels.standard.calendar_by.region", "no field 'region'"),
    ('[levels.standard.calendar_by.schedule]\nEU = { office = "nowhere" }\n',
     "levels.standard.calendar_by.schedule.EU.office", "not a calendar"),
    ('[levels.standard.calendar_by.schedule]\nEU = { elsewhere = "always" }\n',
     "levels.standard.calendar_by.schedule.EU", "not a calendar"),
    ('[levels.standard.calendar_by.schedule]\nEU = {}\n',
     "levels.standard.calendar_by.schedule.EU", "name a calendar"),
])
def test_a_calendar_by_that_cannot_be_read_names_its_key(
    tmp_path: Path, table: str, key: str, problem: str,
) -> None:
    text = SCHEDULES.replace('[levels.standard.calendar_by.schedule]\n"New York" = '
                             '{ office = "new_york" }\n', "") + table
    with pytest.raises(PolicyError, match=problem) as caught:
        load_policy(write(tmp_path, "desk.toml", text))
    assert caught.value.field == key


# -- item 2: tickets with no SLA --------------------------------------------------------

NO_SLA_DESK = """
version = "1"
effective = 2026-01-01
fields = ["priority"]
default_level = false

[calendars.office]
tz = "Europe/Berlin"
hours = "09:00-17:00"

[levels.standard]
reaction = { hours = 8, clock = "office" }

[[select]]
level = false
when = { priority = "spam" }

[[select]]
level = "standard"
when = { priority = ["low", "normal", "high"] }
"""


def test_a_ticket_no_sla_matches_has_no_clocks(tmp_path: Path) -> None:
    """Zammad's admin documentation ("Service Level Agreements"): an SLA applies to the
    tickets its conditions select, and a ticket no SLA selects has none; ERPNext likewise
    applies an agreement only where its entity and conditions fit. ``default_level =
    false``: such a ticket is at the level "no SLA", every clock not applicable."""
    policy = load_policy(write(tmp_path, "desk.toml", NO_SLA_DESK))
    assert isinstance(policy, Regulation)
    assert policy.default_level == NO_SLA
    assert policy.level(NO_SLA).targets == {}
    for fields in ({}, {"priority": "spam"}):
        ticket = Ticket("T-1", policy)
        ticket.record(Event("T-1", TUESDAY_10, "created", author="customer", fields=fields))
        status = ticket.status(datetime(2026, 6, 5, 10, tzinfo=BER))
        assert status.level == NO_SLA
        assert {m.state for m in status.metrics} == {"not_applicable"}
    assert reaction_deadline(policy, priority="high") == ("standard", STANDARD_DEADLINE)


def test_the_report_counts_no_sla_tickets_apart_from_compliance(tmp_path: Path) -> None:
    """Two tickets: one at "standard", breached (8 h from Tuesday 10:00 were due Wednesday
    10:00, nothing by Wednesday 12:00), one with no SLA: 2 tickets, 1 breached, 0 met, 1
    with no SLA; compliance 0 % (0 met of 1 decided), the no-SLA ticket left out."""
    from slaclock import report

    policy = load_policy(write(tmp_path, "desk.toml", NO_SLA_DESK))
    events = [
        Event("A", TUESDAY_10, "created", author="customer", fields={"priority": "high"}),
        Event("B", TUESDAY_10, "created", author="customer", fields={"priority": "spam"}),
    ]
    summary = report(events, policy, at=datetime(2026, 6, 3, 12, tzinfo=BER)).summary
    data = summary.as_dict()
    assert (data["tickets"], data["met"], data["breached"], data["in_progress"],
            data["no_sla"], data["compliance"]) == (2, 0, 1, 0, 1, 0.0)
    no_sla = next(row for row in data["levels"] if row["level"] == NO_SLA)
    assert (no_sla["tickets"], no_sla["met"], no_sla["compliance"]) == (1, 0, None)
    assert "1 with no SLA" in repr(summary)


def test_a_level_may_not_take_the_key_of_the_no_sla_level(tmp_path: Path) -> None:
    path = write(tmp_path, "desk.toml", DESK + '[levels."no SLA"]\n')
    with pytest.raises(PolicyError, match="tickets with no SLA") as caught:
        load_policy(path)
    assert caught.value.field == "levels.no SLA"


def test_a_policy_without_default_level_still_refuses_an_unmatched_ticket(
    tmp_path: Path,
) -> None:
    """Existing policies keep their meaning: no default_level is an error that names the
    ticket, as before."""
    policy = load_policy(write(tmp_path, "desk.toml", DESK.replace(
        'default_level = "standard"\n', "") + """
[[select]]
level = "fast"
when = { priority = "urgent" }
"""))
    assert isinstance(policy, Regulation)
    ticket = Ticket("T-1", policy)
    ticket.record(Event("T-1", TUESDAY_10, "created", author="customer"))
    with pytest.raises(EventError, match="has no level"):
        ticket.status(TUESDAY_10)
