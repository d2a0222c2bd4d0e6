"""A slow, obviously correct reading of a policy's level-selection rules, from the rules as
a policy file writes them (the parsed TOML of ``[[select]]``, ``default_level`` and
``[accounts]``), for the property test of the walk's level selection.

Each operator is written out as its definition in the policy-format reference says it, one
``if`` each; nothing is shared with slaclock's own reading.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from typing import Any


def _items(text: str) -> list[str]:
    """A multi-valued field's items: split at every comma and every blank."""
    items = []
    word = ""
    for char in text + " ":
        if char == "," or char.isspace():
            if word:
                items.append(word.casefold())
            word = ""
        else:
            word += char
    return items


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and value not in (float("inf"), float("-inf")) else None


def _listed(operand: Any) -> list[Any]:
    return operand if isinstance(operand, list) else [operand]


def holds(op: str, value: str | None, operand: Any) -> bool:
    """Whether a ticket whose field is ``value`` (``None``: not set) meets ``op operand``."""
    if op == "is":
        return value is not None and value in _listed(operand)
    if op == "is_not":
        return value is None or value not in _listed(operand)
    if op == "contains":
        return value is not None and any(
            part.casefold() in value.casefold() for part in _listed(operand))
    if op == "contains_not":
        return value is None or not any(
            part.casefold() in value.casefold() for part in _listed(operand))
    if op == "any_of":
        items = _items(value or "")
        return any(tag.casefold() in items for tag in _listed(operand))
    if op == "all_of":
        items = _items(value or "")
        return all(tag.casefold() in items for tag in _listed(operand))
    if op == "none_of":
        items = _items(value or "")
        return not any(tag.casefold() in items for tag in _listed(operand))
    compare = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge}[op]
    number = _number(value)
    return number is not None and compare(number, operand)


def field_value(name: str, fields: Mapping[str, str | None],
                accounts: Mapping[str, Mapping[str, Any]]) -> str | None:
    """A ticket's field, or for ``customer.<attribute>`` its customer's attribute."""
    if name.startswith("customer."):
        account = accounts.get(fields.get("customer") or "")
        if account is None or name[len("customer."):] not in account:
            return None
        return str(account[name[len("customer."):]])
    return fields.get(name)


def rule_holds(rule: Mapping[str, Any], fields: Mapping[str, str | None],
               accounts: Mapping[str, Mapping[str, Any]]) -> bool:
    for name, wanted in rule.get("when", {}).items():
        value = field_value(name, fields, accounts)
        if isinstance(wanted, Mapping):
            for op, operand in wanted.items():
                if not holds(op, value, operand):
                    return False
        elif not holds("is", value, wanted):
            return False
    return True


def select(rules: list[Mapping[str, Any]], default: str | None,
           fields: Mapping[str, str | None],
           accounts: Mapping[str, Mapping[str, Any]],
           rows: Mapping[str, tuple[str, list[str], bool]] | None = None,
           calendars: Mapping[str, tuple[str, list[str]]] | None = None) -> str | None:
    """:func:`level_of`, then the calendar row of the level chosen: ``calendars`` is level
    key to (field, the values it counts on other calendars for); a level (or a row of it)
    whose ticket has one of them is at ``<key>[<field>=<value>]``; but a default level with
    rows and no targets of its own, at none of its rows, is itself (it counts nothing)."""
    key = level_of(rules, default, fields, accounts, rows)
    if key is None or calendars is None or key.split("[")[0] not in calendars:
        return key
    if rows and key in rows and not rows[key][2]:
        return key
    field, values = calendars[key.split("[")[0]]
    value = fields.get(field)
    return f"{key}[{field}={value}]" if value in values else key


def level_of(rules: list[Mapping[str, Any]], default: str | None,
             fields: Mapping[str, str | None],
             accounts: Mapping[str, Mapping[str, Any]],
             rows: Mapping[str, tuple[str, list[str], bool]] | None = None) -> str | None:
    """The level of a ticket with these fields: the first rule that holds, or the default.

    ``rows``: level key to (field, the values it has rows for, whether it has targets of
    its own). A rule that gives such a level gives the row of the ticket's value; for a
    value without a row, the level itself if it has targets of its own, else the rule does
    not apply. The default level gives the row of the ticket's value, or itself.
    """
    rows = rows or {}
    for rule in rules:
        if not rule_holds(rule, fields, accounts):
            continue
        level = str(rule["level"])
        if level not in rows:
            return level
        field, values, own = rows[level]
        if fields.get(field) in values:
            return f"{level}[{field}={fields.get(field)}]"
        if own:
            return level
    if default is not None and default in rows:
        field, values, _ = rows[default]
        if fields.get(field) in values:
            return f"{default}[{field}={fields.get(field)}]"
    return default
