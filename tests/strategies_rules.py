"""Hypothesis strategies for the policy's levels, rules and calendars (issue #22's items on
selection rules and schedules), beside the shared ones in ``strategies``."""

from __future__ import annotations

from hypothesis import assume
from hypothesis import strategies as st

from slaclock import ConfigError, WeeklyHours
from strategies import day_hours

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@st.composite
def weekly_hours(draw: st.DrawFn) -> WeeklyHours:
    """Random weekly hours: each weekday closed or one to three intervals, maybe one
    overnight (combinations that run into the next day are rejected)."""
    week = {day: draw(day_hours()) for day in WEEKDAYS}
    try:
        return WeeklyHours.parse(week)
    except ConfigError:
        assume(False)
        raise  # pragma: no cover - assume(False) does not return


# -- level-selection rules ---------------------------------------------------------------

#: The ticket fields the drawn rules read: one-valued, multi-valued, numeric and free text.
RULE_FIELDS = ("priority", "tags", "seats", "title")
PRIORITIES = ("low", "normal", "high", "urgent")
TAGS = ("vip", "eu", "Billing", "outage")
WORDS = ("Printer", "outage", "VPN", "down")
#: The customers the drawn tickets name, and the attributes the policy gives them.
ACCOUNTS = {
    "acme": {"group": "Commercial", "territory": "India"},
    "globex": {"group": "Government", "territory": "EU", "seats": 250},
    "initech": {"group": "Commercial"},
}
ACCOUNT_FIELDS = ("customer.group", "customer.territory", "customer.seats")
LEVELS = ("gold", "silver", "bronze")


def _operand(draw: st.DrawFn, field: str, op: str) -> object:
    if op in ("lt", "le", "gt", "ge"):
        return draw(st.one_of(st.integers(-5, 300), st.sampled_from([0.5, 99.5, 250.0])))
    pool = {
        "priority": PRIORITIES, "tags": TAGS, "title": WORDS, "seats": ("10", "250", "x"),
        "customer.group": ("Commercial", "Government", "commercial"),
        "customer.territory": ("India", "EU"), "customer.seats": ("250", "10"),
    }[field]
    values = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=2, unique=True))
    return values if len(values) > 1 or draw(st.booleans()) else values[0]


OPERATORS = ("is", "is_not", "contains", "contains_not", "any_of", "all_of", "none_of",
             "lt", "le", "gt", "ge")


@st.composite
def conditions(draw: st.DrawFn) -> dict[str, object]:
    """A rule's ``when`` table: plain equality or operator tables, over one to three fields."""
    fields = draw(st.lists(st.sampled_from(RULE_FIELDS + ACCOUNT_FIELDS), min_size=1,
                           max_size=3, unique=True))
    when: dict[str, object] = {}
    for field in fields:
        if draw(st.integers(0, 3)) == 0:
            when[field] = _operand(draw, field, "is")
            continue
        ops = draw(st.lists(st.sampled_from(OPERATORS), min_size=1, max_size=2, unique=True))
        when[field] = {op: _operand(draw, field, op) for op in ops}
    return when


@st.composite
def selection_rules(draw: st.DrawFn) -> list[dict[str, object]]:
    """One to four ``[[select]]`` tables, maybe the last without conditions."""
    rules: list[dict[str, object]] = [
        {"level": draw(st.sampled_from(LEVELS)), "when": draw(conditions())}
        for _ in range(draw(st.integers(1, 4)))
    ]
    if draw(st.booleans()):
        rules.append({"level": draw(st.sampled_from(LEVELS))})
    return rules


@st.composite
def ticket_fields(draw: st.DrawFn) -> dict[str, str | None]:
    """A ticket's field values: any of them unset, tags as Zendesk (blanks) or Zammad
    (commas) write them, numbers and words that are not numbers."""
    tags = draw(st.lists(st.sampled_from((*TAGS, "vip")), max_size=3))
    return {
        "priority": draw(st.sampled_from((None, *PRIORITIES))),
        "tags": draw(st.sampled_from([" ", ", "])).join(tags) if tags else None,
        "seats": draw(st.sampled_from([None, "5", "10", "99.5", "250", "1e3", "many", "nan"])),
        "title": draw(st.sampled_from([None, "printer down", "VPN outage in EU", "Hello"])),
        "customer": draw(st.sampled_from([None, *ACCOUNTS, "umbrella"])),
    }
