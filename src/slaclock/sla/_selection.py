"""Reading a policy's level selection: the base of the policy reader (its checks of values,
raising :class:`~slaclock.PolicyError` with the dotted key at fault), the ``[[select]]``
rules with their conditions and the ``[accounts]`` they read, a level's ``calendar_by``,
and the rules made for a level's rows (:func:`with_rows`).

:class:`~slaclock.sla._policy_reader.PolicyReader` reads the rest of a policy on top of
these.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from os import PathLike
from pathlib import Path
from typing import Any

import attrs

from slaclock._errors import PolicyError
from slaclock.calendars import Schedule
from slaclock.sla._model import (
    COMPARISONS,
    NO_SLA,
    OPERATORS,
    Condition,
    Level,
    LevelRule,
    Target,
)
from slaclock.sla._vocabulary import BUILTIN_FIELDS

__all__ = ["RULE_KEYS", "BaseReader", "SelectionReader", "on_calendars", "with_rows"]

#: The keys of a selection rule (``[[select]]``).
RULE_KEYS = {"level", "when", "opened"}


class BaseReader:
    """Walks a parsed policy, raising :class:`PolicyError` with the dotted key at fault."""

    def __init__(self, source: str, base: str | PathLike[str] | None = None) -> None:
        self.source = source
        #: The folder the files a policy names (a Zendesk schedule, an ICS file) are read
        #: from: the policy file's; ``None``: the working directory.
        self.base = None if base is None else Path(base)

    def fail(self, key: str, value: object, problem: str) -> PolicyError:
        return PolicyError(self.source, key, value, problem)

    def table(self, value: object, key: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(key, value, "expected a table")
        return value

    def unknown(self, table: Mapping[str, Any], allowed: set[str], key: str) -> None:
        for name in table:
            if name not in allowed:
                where = f"{key}.{name}" if key else name
                raise self.fail(
                    where, table[name], f"unknown key; allowed: {', '.join(sorted(allowed))}"
                )

    def text(self, value: object, key: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(key, value, "expected a non-empty string")
        return value

    def texts(self, value: object, key: str) -> list[str]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(key, value, "expected an array of strings")
        return list(value)

    def flag(self, value: object, key: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, value, "expected true or false")
        return value

    def date(self, value: object, key: str) -> date:
        if isinstance(value, datetime):
            raise self.fail(key, value, "expected a date (2026-01-01), not a date-time")
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise self.fail(key, value, "expected a date such as 2026-01-01")

    # -- a version -------------------------------------------------------------------

    def known_calendar(self, name: object, where: str, calendars: Mapping[str, Schedule]) -> None:
        if not isinstance(name, str) or name not in calendars:
            raise self.fail(
                where, name, f"not a calendar of this policy ({', '.join(calendars) or 'none'})"
            )


class SelectionReader(BaseReader):
    """Reads a policy's selection rules, the customers' attributes they read and a level's
    calendars per schedule."""

    def accounts(self, value: object, key: str) -> dict[str, dict[str, str]]:
        """The ``[accounts]`` table: customer name to its attributes (text; a number is
        kept as the text it reads as), which rules read as ``customer.<attribute>``."""
        if value is None:
            return {}
        out: dict[str, dict[str, str]] = {}
        for customer, spec in self.table(value, key).items():
            where = f"{key}.{customer}"
            attributes: dict[str, str] = {}
            for name, text in self.table(spec, where).items():
                if isinstance(text, bool) or not isinstance(text, str | int | float):
                    raise self.fail(f"{where}.{name}", text, "expected a string or a number")
                attributes[name] = text if isinstance(text, str) else _number_text(text)
            out[customer] = attributes
        return out

    def rules(
        self,
        value: object,
        key: str,
        levels: Mapping[str, Level],
        calendars: Mapping[str, Schedule],
        fields: tuple[str, ...],
        accounts: Mapping[str, Mapping[str, str]] | None = None,
    ) -> tuple[LevelRule, ...]:
        if not isinstance(value, list):
            raise self.fail(key, value, "expected an array of tables ([[select]])")
        out = []
        known = (*BUILTIN_FIELDS, *fields)
        accounts = accounts or {}
        for i, item in enumerate(value):
            where = f"{key}[{i}]"
            spec = self.table(item, where)
            self.unknown(spec, RULE_KEYS, where)
            level = spec.get("level")
            if level is False:
                level = NO_SLA
            if level not in levels:
                raise self.fail(
                    f"{where}.level", level, f"not a level of this policy ({', '.join(levels)})"
                )
            when: dict[str, frozenset[str]] = {}
            conditions: list[Condition] = []
            for field, wanted in self.table(spec.get("when", {}), f"{where}.when").items():
                at = f"{where}.when.{field}"
                attribute = None
                if field.startswith("customer."):
                    name = field[len("customer."):]
                    attribute = {c: a[name] for c, a in accounts.items() if name in a}
                    if not attribute:
                        raise self.fail(
                            at, wanted,
                            f"no customer under [accounts] has the attribute {name!r}: give "
                            f"it to the customers it is true of ([accounts.<customer>] "
                            f"{name} = ...)",
                        )
                elif field not in known or field == "level":
                    raise self.fail(
                        at, wanted,
                        f"the policy's tickets have no field {field!r} to select by (fields: "
                        f"{', '.join(f for f in known if f != 'level')}); declare it in "
                        "'fields', or name a customer's attribute as customer.<attribute>",
                    )
                if isinstance(wanted, Mapping):
                    if not wanted:
                        raise self.fail(at, dict(wanted), "give at least one operator, e.g. "
                                        "{ is_not = \"low\" }, or a value")
                    for op, operand in wanted.items():
                        conditions.append(self.condition(field, op, operand, f"{at}.{op}",
                                                         attribute))
                elif attribute is not None:
                    conditions.append(self.condition(field, "is", wanted, at, attribute))
                else:
                    when[field] = frozenset(self.texts(wanted, at))
            opened = None
            if "opened" in spec:
                table = self.table(spec["opened"], f"{where}.opened")
                if len(table) != 1 or next(iter(table)) not in ("inside", "outside"):
                    raise self.fail(
                        f"{where}.opened", dict(table),
                        "expected { inside = \"<calendar>\" } or { outside = \"<calendar>\" }",
                    )
                side, calendar = next(iter(table.items()))
                self.known_calendar(calendar, f"{where}.opened.{side}", calendars)
                opened = (side, calendar)
            if not when and not conditions and opened is None and i != len(value) - 1:
                raise self.fail(
                    where, dict(spec),
                    "a rule without conditions matches every ticket: make it the last one "
                    "(or use default_level)",
                )
            out.append(LevelRule(str(level), when, opened, conditions))
        return tuple(out)

    def condition(self, field: str, op: str, operand: object, at: str,
                  attribute: Mapping[str, str] | None) -> Condition:
        """One ``when.<field>.<operator> = <operand>`` of a rule, checked."""
        if op not in OPERATORS:
            raise self.fail(at, operand, f"unknown operator; one of {', '.join(OPERATORS)}")
        if op in COMPARISONS:
            if (
                isinstance(operand, bool)
                or not isinstance(operand, int | float)
                or not math.isfinite(operand)
            ):
                raise self.fail(at, operand, f"{op} compares the field with a number: write "
                                f"a number (e.g. {op} = 100), not a string")
            return Condition(field, op, float(operand), attribute)
        if isinstance(operand, list) and not operand:
            raise self.fail(at, operand, f"{op} takes at least one value")
        return Condition(field, op, tuple(self.texts(operand, at)), attribute)


    def schedules(
        self, value: Mapping[str, Any], where: str, calendars: Mapping[str, Schedule],
        fields: tuple[str, ...],
    ) -> tuple[str, dict[str, dict[str, str]]] | None:
        """A level's ``calendar_by``: the field, and each of its values to the calendars
        replaced (policy calendar to the one counted on instead), checked."""
        spec = value.get("calendar_by")
        if spec is None:
            return None
        table = self.table(spec, where)
        if len(table) != 1:
            raise self.fail(where, dict(table), "give the calendars of one field, e.g. "
                            "[levels.gold.calendar_by.schedule]")
        field, choices = next(iter(table.items()))
        at = f"{where}.{field}"
        if field not in (*BUILTIN_FIELDS, *fields) or field == "level":
            raise self.fail(at, None, f"the policy's tickets have no field {field!r} to "
                            "choose calendars by; declare it in 'fields'")
        choices = self.table(choices, at)
        if not choices:
            raise self.fail(at, dict(choices), "give at least one value, e.g. Berlin = "
                            "{ office = \"office_berlin\" }")
        out: dict[str, dict[str, str]] = {}
        for choice, replaced in choices.items():
            replaced = self.table(replaced, f"{at}.{choice}")
            if not replaced:
                raise self.fail(f"{at}.{choice}", dict(replaced), "name a calendar to "
                                "replace and its replacement, e.g. { office = \"berlin\" }")
            for old, new in replaced.items():
                self.known_calendar(old, f"{at}.{choice}", calendars)
                self.known_calendar(new, f"{at}.{choice}.{old}", calendars)
            out[choice] = dict(replaced)
        return field, out

def on_calendars(
    level: Level, schedules: tuple[str, Mapping[str, Mapping[str, str]]] | None,
) -> tuple[Level, list[Level]]:
    """``level`` with its ``calendar_by`` rows, and those rows: its targets counted on the
    calendars each value of the field replaces."""
    if schedules is None:
        return level, []
    field, choices = schedules
    made = {
        choice: attrs.evolve(
            level, key=f"{level.key}[{field}={choice}]",
            title=f"{level.title} ({field} {choice})",
            targets={m: _counted_on(t, replaced) for m, t in level.targets.items()},
            by=None, rows={},
        )
        for choice, replaced in choices.items()
    }
    return (attrs.evolve(level, calendar_by=field,
                         calendar_rows={c: row.key for c, row in made.items()}),
            list(made.values()))


def _counted_on(target: Target, replaced: Mapping[str, str]) -> Target:
    if target.clock is not None:
        return attrs.evolve(target, clock=replaced.get(target.clock, target.clock))
    return attrs.evolve(target, clocks={c: replaced.get(n, n) for c, n in target.clocks.items()})


def with_rows(rules: tuple[LevelRule, ...], levels: Mapping[str, Level],
              default_level: str | None) -> tuple[LevelRule, ...]:
    """The rules with each one that gives a level with rows made into one rule per row
    (its conditions and the row's value; a row's calendar rows first), then the rule
    itself when the level has targets of its own (the row of any other value; its
    calendar rows first); and, for a ``default_level`` with rows, its rules at the end."""
    out: list[LevelRule] = []
    for rule in rules:
        out.extend(_expanded(rule, levels, fallback=True))
    if default_level is not None:
        out.extend(_expanded(LevelRule(default_level), levels, fallback=False))
    return tuple(out)


def _expanded(rule: LevelRule, levels: Mapping[str, Level], fallback: bool) -> list[LevelRule]:
    """One rule as the rules of its level's rows, most particular first; with
    ``fallback``, the rule itself last when its level has targets of its own."""
    level = levels[rule.level]
    out: list[LevelRule] = []
    for value, key in level.rows.items():
        row_rule = _narrowed(rule, level.by, value, key)
        if row_rule is not None:
            out += _calendar_rules(row_rule, levels[key])
            out.append(row_rule)
    if level.targets or not level.rows:
        out += _calendar_rules(rule, level)
        if fallback:
            out.append(rule)
    return out


def _calendar_rules(rule: LevelRule, level: Level) -> list[LevelRule]:
    return [
        narrowed
        for value, key in level.calendar_rows.items()
        if (narrowed := _narrowed(rule, level.calendar_by, value, key)) is not None
    ]


def _narrowed(rule: LevelRule, field: str | None, value: str, key: str) -> LevelRule | None:
    """``rule`` giving the row ``key`` for tickets whose ``field`` is ``value``; ``None``
    when the rule asks for other values of the field (never this row)."""
    assert field is not None
    wanted = rule.when.get(field)
    if wanted is not None and value not in wanted:
        return None
    return attrs.evolve(rule, level=key, when={**rule.when, field: frozenset({value})})


def _number_text(value: int | float) -> str:
    """A number of ``[accounts]`` as text: ``250``, not ``250.0``, for an integer."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))
