"""The JSON Schemas slaclock ships for policy and mapping files (issue #22, item 13),
tested against the readers so the two never disagree: every key a reader accepts is in the
schema (and no other), every policy and mapping slaclock ships or shows validates, and
files drawn at random with one thing wrong are refused by the schema exactly when the
reader refuses them, for the kinds of wrong a schema can say.

TOML is checked as TOML editors check it (taplo, Even Better TOML: "Validation using JSON
Schema" in taplo's documentation): the document as JSON, its dates as ISO strings.
"""

from __future__ import annotations

import copy
import json
import tomllib
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from jsonschema import Draft7Validator

from slaclock import PolicyError
from slaclock.helpdesks import MappingError
from slaclock.helpdesks import _mapping as mapping_reader
from slaclock.helpdesks._mapping import parse_mapping
from slaclock.sla import _policy_file as policy_file
from slaclock.sla import _policy_reader as policy_reader
from slaclock.sla import _vocabulary as vocabulary
from slaclock.sla import parse_policy
from slaclock.sla._model import COMPARISONS, OPERATORS

ROOT = Path(__file__).resolve().parent.parent


def schema(name: str) -> dict[str, Any]:
    text = resources.files("slaclock").joinpath(f"data/schemas/{name}.schema.json").read_text(
        "utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


POLICY = schema("policy")
MAPPING = schema("mapping")
POLICY_CHECK = Draft7Validator(POLICY, format_checker=Draft7Validator.FORMAT_CHECKER)
MAPPING_CHECK = Draft7Validator(MAPPING, format_checker=Draft7Validator.FORMAT_CHECKER)


def as_json(value: Any) -> Any:
    """A parsed TOML document as a TOML editor hands it to the schema: dates and times as
    ISO strings."""
    if isinstance(value, Mapping):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    return value


def schema_errors(check: Draft7Validator, data: Any) -> list[str]:
    return [error.message for error in check.iter_errors(as_json(data))]


def test_both_schemas_are_valid_json_schemas() -> None:
    Draft7Validator.check_schema(POLICY)
    Draft7Validator.check_schema(MAPPING)


# -- every key the readers accept, and no other -------------------------------------------


def keys(definition: Mapping[str, Any]) -> set[str]:
    return set(definition["properties"])


def test_the_policy_schema_names_every_key_the_policy_reader_accepts() -> None:
    defs = POLICY["definitions"]
    one_version, versions = POLICY["oneOf"]
    assert keys(one_version) == policy_reader.TOP_KEYS
    assert keys(defs["version"]) == policy_reader._VERSION_KEYS
    assert keys(versions) == {"format", "versions", "log", *policy_file._SHARED_KEYS}
    assert keys(defs["level"]) == policy_reader._LEVEL_KEYS
    assert keys(defs["metric"]) == policy_reader._METRIC_KEYS
    assert keys(defs["calendar"]) == policy_reader._CALENDAR_KEYS
    assert keys(defs["rule"]) == policy_reader._RULE_KEYS
    assert keys(defs["target"]) == policy_reader._TARGET_KEYS
    assert keys(defs["contracts"]["additionalProperties"]) == policy_file._CONTRACT_KEYS
    operators = defs["rule"]["properties"]["when"]["additionalProperties"]["anyOf"][1]
    assert keys(operators) == set(OPERATORS)
    for op in COMPARISONS:
        assert operators["properties"][op] == {"type": "number"}


RULE_KEYS = policy_reader._RULE_KEYS
TARGET_KEYS = policy_reader._TARGET_KEYS
CONTRACT_KEYS = policy_file._CONTRACT_KEYS


@pytest.mark.parametrize(("where", "table", "allowed"), [
    ("select[0]", {"select": [{"level": "normal", "colour": "x"}]}, RULE_KEYS),
    ("levels.normal.reaction",
     {"levels": {"normal": {"reaction": {"hours": 1, "clock": "office", "colour": "x"}}}},
     TARGET_KEYS),
    ("contracts.acme",
     {"contracts": {"acme": {"kind": "any", "signed": date(2026, 1, 1), "colour": "x"}}},
     CONTRACT_KEYS),
])
def test_the_keys_the_reader_spells_out_are_the_ones_it_names_when_it_refuses(
    where: str, table: dict[str, Any], allowed: set[str],
) -> None:
    data = {**copy.deepcopy(SMALL_POLICY), **table}
    with pytest.raises(PolicyError, match="allowed: " + ", ".join(sorted(allowed))):
        parse_policy(data, "drawn.toml")


def test_the_policy_schema_offers_the_choices_the_reader_offers() -> None:
    defs = POLICY["definitions"]
    options = defs["options"]["properties"]
    assert set(options) == set(policy_reader._OPTION_CHOICES)
    for name, choices in policy_reader._OPTION_CHOICES.items():
        said = options[name].get("enum") or [True, False]
        assert set(said) == set(choices), name
    assert defs["statuses"]["additionalProperties"]["enum"] == list(vocabulary.CATEGORIES)
    coverages = defs["target"]["properties"]["clock"]["anyOf"][1]["properties"]
    assert set(coverages) == set(vocabulary.COVERAGES)


def test_the_mapping_schema_names_every_key_and_choice_the_mapping_reader_accepts() -> None:
    log = MAPPING["properties"]["log"]
    props = log["properties"]
    assert keys(log) == mapping_reader._LOG_KEYS
    assert props["format"]["enum"] == list(mapping_reader.FORMATS)
    assert keys(props["columns"]) == set(mapping_reader.COLUMN_ROLES)
    assert props["events"]["additionalProperties"]["enum"] == list(mapping_reader.EVENT_TARGETS)
    assert props["roles"]["additionalProperties"]["enum"] == list(mapping_reader.ROLES)
    assert props["default_role"]["enum"] == list(mapping_reader.DEFAULT_ROLES)
    for target in mapping_reader.FIELD_TARGETS:
        assert target in props["fields"]["additionalProperties"]["description"]


# -- every file slaclock ships or shows ---------------------------------------------------


def shipped_tomls() -> list[Path]:
    found = [
        *sorted((ROOT / "src/slaclock/data").glob("regulation.toml")),
        *sorted((ROOT / "src/slaclock/data/mappings").glob("*.toml")),
        *sorted((ROOT / "examples").glob("*.toml")),
        *sorted((ROOT / "docs/reference/policies").glob("*.toml")),
    ]
    assert len(found) >= 15
    return found


@pytest.mark.parametrize("path", shipped_tomls(), ids=lambda p: p.name)
def test_every_shipped_policy_and_mapping_validates_against_its_schema(path: Path) -> None:
    data = tomllib.loads(path.read_text("utf-8"))
    assert "levels" in data or "versions" in data or "log" in data
    if "levels" in data or "versions" in data:
        parse_policy(data, path.name)
        assert schema_errors(POLICY_CHECK, data) == []
    if "log" in data:
        parse_mapping(data, path.name)
        assert schema_errors(MAPPING_CHECK, data) == []


# -- random files with one thing wrong: the schema refuses what the reader refuses --------

SMALL_POLICY: dict[str, Any] = {
    "version": "1",
    "effective": date(2026, 1, 1),
    "fields": ["priority"],
    "calendars": {
        "office": {"tz": "Europe/Berlin", "hours": "09:00-17:00", "days_off": [date(2026, 12, 24)]},
        "always": {"preset": "always", "tz": "Europe/Berlin"},
    },
    "statuses": {"New": "open", "Pending": "pending"},
    "options": {"breach": "instant"},
    "levels": {
        "urgent": {"critical": True, "reaction": {"hours": 1, "clock": "always"}},
        "normal": {"title": "Normal", "reaction": {"minutes": 480, "clock": "office"}},
    },
    "select": [{"level": "urgent", "when": {"priority": ["urgent", "high"]}}],
    "default_level": "normal",
}

SMALL_MAPPING: dict[str, Any] = {
    "log": {
        "format": "csv",
        "columns": {"ticket": "id", "time": "at", "event": "kind"},
        "events": {"opened": "created", "answer": "reply"},
        "fields": {"prio": "priority"},
        "default_role": "desk",
    }
}

Mutation = Callable[[dict[str, Any]], None]


def _set(path: tuple[str | int, ...], value: Any) -> Mutation:
    def apply(data: dict[str, Any]) -> None:
        table = data
        for key in path[:-1]:
            table = table[key]
        table[path[-1]] = value
    apply.__name__ = f"{'.'.join(map(str, path))} = {value!r}"
    return apply


def _drop(path: tuple[str | int, ...]) -> Mutation:
    def apply(data: dict[str, Any]) -> None:
        table = data
        for key in path[:-1]:
            table = table[key]
        del table[path[-1]]
    apply.__name__ = f"without {'.'.join(map(str, path))}"
    return apply


#: Places a stray key can go in the small policy (every one a closed table).
POLICY_TABLES = [(), ("calendars", "office"), ("calendars", "always"), ("options",),
                 ("levels", "normal", "reaction"), ("select", 0)]  # type: ignore[list-item]
WRONG_VALUES = st.one_of(st.booleans(), st.integers(-3, 3), st.sampled_from(["", "x", "weekly"]))


@st.composite
def wrong_policy_values(draw: st.DrawFn) -> Mutation:
    """One value a schema can judge, set to something drawn (right or wrong)."""
    value = draw(WRONG_VALUES)
    where = draw(st.sampled_from([
        ("options", "breach"), ("options", "level_change"), ("options", "downgrade_keeps_breach"),
        ("options", "reply_to_solved"), ("levels", "urgent", "critical"),
        ("levels", "normal", "reaction", "minutes"), ("levels", "normal", "compliance"),
        ("calendars", "always", "preset"), ("statuses", "New"), ("at_risk",),
        ("default_level",),
    ]))
    return _set(where, value)


@st.composite
def stray_keys(draw: st.DrawFn) -> Mutation:
    where = draw(st.sampled_from(POLICY_TABLES))
    key = draw(st.sampled_from(["colour", "level", "hours", "tz", "breach", "when", "title"]))
    path = tuple(str(p) if not isinstance(p, int) else p for p in where)
    table: Any = SMALL_POLICY
    for part in path:
        table = table[part]
    assume(key not in table)  # a stray key, not a changed value

    def apply(data: dict[str, Any]) -> None:
        table: Any = data
        for part in path:
            table = table[part]
        table[key] = "x" if key != "hours" else 3
    apply.__name__ = f"{'.'.join(map(str, path)) or '<top>'}.{key}"
    return apply


CONDITIONS = st.sampled_from([
    "urgent", ["urgent", "high"], [], {"is_not": "low"}, {"contains": ["a", "b"]},
    {"ge": 3}, {"ge": 2.5, "lt": 10}, {"ge": "3"}, {"lt": True}, {"resembles": "x"}, {},
    {"all_of": []}, {"any_of": "vip", "none_of": ["spam"]}, {"is": 3},
])


@st.composite
def changed_conditions(draw: st.DrawFn) -> Mutation:
    """The first rule's condition on priority, drawn: plain values or operator tables."""
    return _set(("select", 0, "when", "priority"), draw(CONDITIONS))


POLICY_DROPS = st.sampled_from([
    _drop(("version",)), _drop(("effective",)), _drop(("levels",)), _drop(("select", 0, "level")),
    _drop(("levels", "normal", "reaction", "clock")), _drop(("calendars", "office", "tz")),
    _set(("levels", "normal", "reaction", "hours"), 8), _set(("levels",), {}),
])


def reader_refuses_policy(data: dict[str, Any]) -> bool:
    try:
        parse_policy(data, "drawn.toml")
    except PolicyError:
        return True
    return False


@given(st.one_of(wrong_policy_values(), stray_keys(), POLICY_DROPS, changed_conditions()))
def test_a_policy_with_one_thing_changed_is_refused_by_the_schema_as_by_the_reader(
    mutate: Mutation,
) -> None:
    data = copy.deepcopy(SMALL_POLICY)
    mutate(data)
    refused = reader_refuses_policy(data)
    # Names the schema cannot check (a level, a calendar another key names) are the
    # reader's alone: the draws above change no such name to one that does not exist,
    # except default_level and the stray "level" key, which both refuse by type or key.
    if mutate.__name__.startswith("default_level = ") and isinstance(
            data["default_level"], str) and data["default_level"]:
        assert refused  # "x" is not a level: the reader's own check
        return
    assert bool(schema_errors(POLICY_CHECK, data)) == refused, mutate.__name__


@given(
    key=st.sampled_from([*sorted(mapping_reader._LOG_KEYS), "colour", "column"]),
    value=st.one_of(st.sampled_from(["csv", "zendesk", "desk", "ignore", "unknown", "x"]),
                    st.booleans(), st.just({"ticket": "id"})),
)
def test_a_mapping_with_one_value_changed_is_refused_by_the_schema_as_by_the_reader(
    key: str, value: Any,
) -> None:
    data = copy.deepcopy(SMALL_MAPPING)
    data["log"][key] = value
    try:
        parse_mapping(data, "drawn.toml")
        refused = False
    except MappingError:
        refused = True
    if key in ("time_format", "tz", "encoding", "delimiter") and isinstance(value, str):
        # The zone, the encoding, the pattern and the one character are the reader's
        # alone to judge (a schema cannot ask Python's codecs or the zone database).
        return
    assert bool(schema_errors(MAPPING_CHECK, data)) == refused, (key, value)


def test_the_small_samples_are_valid_for_both() -> None:
    parse_policy(SMALL_POLICY, "small.toml")
    parse_mapping(SMALL_MAPPING, "small.toml")
    assert schema_errors(POLICY_CHECK, SMALL_POLICY) == []
    assert schema_errors(MAPPING_CHECK, SMALL_MAPPING) == []
