"""The policy: the default regulation, policy files, versions and contracts.

Deadlines are worked out by hand on Russia's 2026 production calendar, 09:00-18:00 Moscow
time: 30 April and 8 May close at 17:00 (the eves of the May holidays), 1-3 May and 9-11 May
are off.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import attrs
import pytest

import slaclock
from slaclock import (
    Calendar,
    ConfigError,
    Contract,
    PolicyError,
    Regulation,
    RegulationVersions,
    SlaclockError,
    UnknownLevelError,
    load_policy,
)

MSK = ZoneInfo("Europe/Moscow")
H = timedelta(hours=1)


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)


# -- the default regulation ----------------------------------------------------------------


def test_default_regulation_has_the_five_levels_of_the_regulation() -> None:
    reg = Regulation.default()
    assert list(reg.levels) == [
        "partner.standard",
        "partner.emergency",
        "commercial.standard",
        "commercial.operational",
        "commercial.emergency",
    ]
    targets = {
        key: {m: t.duration for m, t in level.targets.items()}
        for key, level in reg.levels.items()
    }
    assert targets == {
        "partner.standard": {"reaction": 48 * H},
        "partner.emergency": {"reaction": 16 * H},
        "commercial.standard": {"reaction": 24 * H, "resolution": 48 * H},
        "commercial.operational": {"reaction": 12 * H},
        "commercial.emergency": {"reaction": 8 * H},
    }


def test_default_regulation_levels_kinds_criticality_and_agreement() -> None:
    reg = Regulation.default()
    assert {k: lv.customer for k, lv in reg.levels.items()} == {
        "partner.standard": "partner",
        "partner.emergency": "partner",
        "commercial.standard": "commercial",
        "commercial.operational": "commercial",
        "commercial.emergency": "commercial",
    }
    assert {k for k, lv in reg.levels.items() if lv.critical} == {
        "partner.emergency",
        "commercial.operational",
        "commercial.emergency",
    }
    assert {k for k, lv in reg.levels.items() if lv.agreement} == {"commercial.emergency"}
    assert all(lv.clause for lv in reg.levels.values())


def test_default_regulation_counts_in_russian_business_hours_or_around_the_clock() -> None:
    reg = Regulation.default()
    business = reg.calendars["business"]
    assert isinstance(business, Calendar)
    assert business.tz == "Europe/Moscow"
    assert business.day_hours(date(2026, 4, 30)) == ((540, 1020),)  # shortened eve
    assert not business.is_business_day(date(2026, 5, 11))
    assert reg.clock("commercial.emergency", "reaction", "24x7") == Calendar.always(
        "Europe/Moscow"
    )
    assert reg.clock("commercial.emergency", "reaction", "business") is business
    assert reg.clock("partner.standard", "resolution") is None


def test_default_regulation_is_cached_and_versioned() -> None:
    assert Regulation.default() is Regulation.default()
    assert Regulation.default().version == "1"
    assert Regulation.default().effective == date(2013, 1, 1)
    assert Regulation.default().at_risk == 0.8


def test_names_are_exported_lazily_from_the_package() -> None:
    assert slaclock.Regulation is Regulation
    assert issubclass(slaclock.PolicyError, ConfigError)
    assert issubclass(slaclock.EventError, SlaclockError)
    assert issubclass(slaclock.EventError, ValueError)


# -- deadlines of an untouched ticket ---------------------------------------------------------


def test_commercial_standard_opened_after_closing_on_the_shortened_eve_of_may_holidays() -> None:
    # 30 April 2026 closes at 17:00; the clock starts on Monday 4 May at 09:00.
    # Reaction 24 h: 4 May 9 h, 5 May 9 h, 6 May 6 h -> 15:00.
    # Resolution 48 h: 4-7 May 36 h, 8 May 8 h (shortened), 9-11 May off, 12 May 4 h.
    d = Regulation.default().deadlines("commercial.standard", msk(2026, 4, 30, 17, 30))
    assert d == {
        "level": "commercial.standard",
        "opened": msk(2026, 4, 30, 17, 30),
        "reaction_deadline": msk(2026, 5, 6, 15, 0),
        "resolution_deadline": msk(2026, 5, 12, 13, 0),
    }


def test_commercial_standard_opened_friday_afternoon_before_the_victory_day_weekend() -> None:
    # Friday 8 May 2026 16:00: 1 h to the 17:00 close, then 12 May on.
    # Reaction: 1 + 9 (12 May) + 9 (13 May) = 19, +5 on 14 May -> 14:00.
    # Resolution: 1 + 4 * 9 (12-15 May) = 37, + 9 (18 May) = 46, +2 on 19 May -> 11:00.
    d = Regulation.default().deadlines("commercial.standard", msk(2026, 5, 8, 16, 0))
    assert d["reaction_deadline"] == msk(2026, 5, 14, 14, 0)
    assert d["resolution_deadline"] == msk(2026, 5, 19, 11, 0)


def test_partner_standard_opened_monday_morning_after_the_may_day_weekend() -> None:
    # 48 h from 4 May 09:00: 4-7 May 36 h, 8 May 8 h, 12 May 4 h -> 13:00.
    d = Regulation.default().deadlines("partner.standard", msk(2026, 5, 4, 9, 0))
    assert d["reaction_deadline"] == msk(2026, 5, 12, 13, 0)
    assert d["resolution_deadline"] is None


def test_partner_emergency_deadline_lands_exactly_at_closing_time() -> None:
    # 30 April 10:00-17:00 is 7 h; 4 May 09:00-18:00 is 9 h: 16 h end at 18:00 sharp.
    d = Regulation.default().deadlines("partner.emergency", msk(2026, 4, 30, 10, 0))
    assert d["reaction_deadline"] == msk(2026, 5, 4, 18, 0)


def test_commercial_operational_opened_tuesday_afternoon() -> None:
    # 5 May 15:00-18:00 is 3 h, 6 May 9 h -> 18:00.
    d = Regulation.default().deadlines("commercial.operational", msk(2026, 5, 5, 15, 0))
    assert d["reaction_deadline"] == msk(2026, 5, 6, 18, 0)


def test_commercial_emergency_friday_night_around_the_clock_or_in_business_hours() -> None:
    reg = Regulation.default()
    opened = msk(2026, 5, 8, 20, 0)
    around = reg.deadlines("commercial.emergency", opened, coverage="24x7")
    assert around["reaction_deadline"] == msk(2026, 5, 9, 4, 0)
    business = reg.deadlines("commercial.emergency", opened, coverage="business")
    assert business["reaction_deadline"] == msk(2026, 5, 12, 17, 0)


def test_commercial_emergency_deadline_without_coverage_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="counted as the contract says"):
        Regulation.default().deadlines("commercial.emergency", msk(2026, 5, 8, 20, 0))


def test_deadlines_of_an_unknown_level_name_the_known_ones() -> None:
    with pytest.raises(UnknownLevelError, match=r"commercial\.standard") as info:
        Regulation.default().deadlines("gold", msk(2026, 5, 8, 20, 0))
    assert info.value.key == "gold"
    assert isinstance(info.value, LookupError)


def test_deadlines_refuse_a_naive_opening_time() -> None:
    with pytest.raises(slaclock.NaiveDatetimeError):
        Regulation.default().deadlines("partner.standard", datetime(2026, 5, 4, 9))


def test_deadlines_come_back_in_the_zone_asked() -> None:
    utc = ZoneInfo("UTC")
    d = Regulation.default().deadlines(
        "commercial.operational", datetime(2026, 5, 5, 12, 0, tzinfo=utc)
    )
    assert d["reaction_deadline"] == msk(2026, 5, 6, 18, 0)
    assert d["reaction_deadline"].tzinfo is utc


# -- contracts -----------------------------------------------------------------------------


def test_contract_resolves_short_and_full_level_keys_for_its_kind() -> None:
    partner = Contract("Integrator", "partner", date(2024, 2, 1))
    assert partner.level("standard").key == "partner.standard"
    assert partner.level("partner.emergency").key == "partner.emergency"
    assert partner.targets("emergency") == {
        "reaction": (16 * H, "business"),
        "next_reaction": (16 * H, "business"),
    }


def test_contract_of_a_commercial_customer_has_a_resolution_target_on_standard() -> None:
    c = Contract("Shop", "commercial", date(2024, 2, 1))
    assert c.targets("standard")["resolution"] == (48 * H, "business")


def test_commercial_emergency_without_the_agreement_is_a_clear_error() -> None:
    c = Contract("Shop", "commercial", date(2024, 2, 1))
    with pytest.raises(ConfigError, match="needs a special agreement"):
        c.level("emergency")


def test_commercial_emergency_with_a_business_hours_agreement() -> None:
    c = Contract("Shop", "commercial", date(2024, 2, 1), emergency="business")
    assert c.targets("emergency")["reaction"] == (8 * H, "business")


def test_contract_cannot_ask_for_a_level_of_the_other_kind() -> None:
    with pytest.raises(ConfigError, match="serves commercial customers"):
        Contract("Integrator", "partner", date(2024, 2, 1)).level("commercial.standard")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "retail"}, "kind"),
        ({"emergency": "always"}, "emergency"),
        ({"signed": "2024-02-01"}, "signed"),
        ({"signed": datetime(2024, 2, 1, tzinfo=MSK)}, "signed"),
    ],
)
def test_contract_with_a_bad_field_is_refused(kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {
        "customer": "X", "kind": "commercial", "signed": date(2024, 2, 1), **kwargs
    }
    with pytest.raises(ConfigError) as info:
        Contract(**args)  # type: ignore[arg-type]
    assert info.value.field == field


def test_contract_signed_before_the_first_version_has_no_terms() -> None:
    with pytest.raises(ConfigError, match="no regulation version was in force"):
        Contract("Old", "partner", date(2012, 12, 31)).regulation()


def test_contract_ticket_refuses_levels_of_the_other_kind() -> None:
    ticket = Contract("Integrator", "partner", date(2024, 2, 1)).ticket("P-1")
    with pytest.raises(slaclock.EventError, match="serves commercial customers"):
        ticket.record(
            slaclock.Event("P-1", msk(2026, 5, 4, 9), "opened", level="commercial.standard")
        )
    assert ticket.events == ()


# -- versions ------------------------------------------------------------------------------


def _version(name: str, effective: date, reaction_hours: int) -> Regulation:
    base = Regulation.default()
    level = base.level("partner.standard")
    target = attrs.evolve(level.targets["reaction"], duration=reaction_hours * H)
    levels = dict(base.levels)
    levels["partner.standard"] = attrs.evolve(level, targets={"reaction": target})
    return attrs.evolve(base, version=name, effective=effective, levels=levels)


def test_a_contract_keeps_the_terms_in_force_on_the_day_it_was_signed() -> None:
    history = RegulationVersions(
        [_version("2", date(2026, 7, 1), 72), _version("1", date(2020, 1, 1), 48)]
    )
    signed_before = Contract("Early", "partner", date(2026, 6, 30))
    signed_on = Contract("OnTheDay", "partner", date(2026, 7, 1))
    assert signed_before.regulation(history).version == "1"
    assert signed_on.regulation(history).version == "2"
    # Still version 1 for the early customer, whatever today is.
    assert signed_before.targets("standard", history)["reaction"] == (48 * H, "business")
    assert signed_on.targets("standard", history)["reaction"] == (72 * H, "business")
    assert history.latest.version == "2"
    assert history.in_force(date(2030, 1, 1)).version == "2"


def test_versions_taking_effect_the_same_day_are_refused() -> None:
    with pytest.raises(ConfigError, match="two versions take effect"):
        RegulationVersions([_version("a", date(2020, 1, 1), 1), _version("b", date(2020, 1, 1), 2)])


def test_versions_need_at_least_one() -> None:
    with pytest.raises(ConfigError, match="at least one"):
        RegulationVersions([])


def test_in_force_wants_a_date() -> None:
    with pytest.raises(TypeError):
        RegulationVersions([Regulation.default()]).in_force(msk(2026, 1, 1))  # type: ignore[arg-type]


# -- policy files --------------------------------------------------------------------------

DESK = """
format = 1
version = "2026.1"
effective = 2026-01-01
title = "A small desk"
at_risk = 0.75

[calendars.office]
tz = "Europe/London"
hours = "09:00-17:00"
holidays = "GB"
days_off = [2026-12-24]

[calendars.always]
preset = "always"
tz = "Europe/London"

[customers.commercial]
title = "Commercial customers"

[levels.gold]
title = "Gold"
customer = "commercial"
critical = true
reaction = { minutes = 30, clock = "always" }
resolution = { hours = 4, clock = "office" }

[levels.silver]
customer = "commercial"
reaction = { hours = 8, clock = "office" }
next_reaction = { hours = 4, clock = "office" }
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_desk_describes_its_own_policy_in_toml(tmp_path: Path) -> None:
    reg = load_policy(write(tmp_path, "desk.toml", DESK))
    assert isinstance(reg, Regulation)
    assert (reg.version, reg.effective, reg.title, reg.at_risk) == (
        "2026.1", date(2026, 1, 1), "A small desk", 0.75
    )
    assert reg.source == "desk.toml"
    gold = reg.level("gold")
    assert gold.critical
    assert gold.target("reaction") == slaclock.policy.Target("reaction", 30 * timedelta(minutes=1),
                                                     "always")
    assert reg.level("silver").target("next_reaction").duration == 4 * H  # type: ignore[union-attr]
    assert reg.level("silver").title == "silver"
    london = ZoneInfo("Europe/London")
    # Christmas Eve is a day off by the file; 25-28 December are off in England.
    d = reg.deadlines("gold", datetime(2026, 12, 23, 15, 0, tzinfo=london))
    assert d["reaction_deadline"] == datetime(2026, 12, 23, 15, 30, tzinfo=london)
    assert d["resolution_deadline"] == datetime(2026, 12, 29, 11, 0, tzinfo=london)


def test_the_same_policy_in_json(tmp_path: Path) -> None:
    import tomllib

    data = tomllib.loads(DESK)
    data["effective"] = "2026-01-01"
    data["calendars"]["office"]["days_off"] = ["2026-12-24"]
    toml_reg = load_policy(write(tmp_path, "desk.toml", DESK))
    json_reg = load_policy(write(tmp_path, "desk.json", json.dumps(data)))
    assert json_reg == toml_reg
    assert isinstance(json_reg, Regulation)
    assert json_reg.source == "desk.json"


def test_a_policy_file_with_versions_gives_the_history(tmp_path: Path) -> None:
    text = """
[calendars.business]
preset = "russia"

[customers.partner]

[[versions]]
version = "1"
effective = 2020-01-01
[versions.levels."partner.standard"]
customer = "partner"
reaction = { hours = 48, clock = "business" }

[[versions]]
version = "2"
effective = 2026-07-01
[versions.calendars.business]
preset = "russia"
hours = "10:00-19:00"
[versions.levels."partner.standard"]
customer = "partner"
reaction = { hours = 24, clock = "business" }
"""
    history = load_policy(write(tmp_path, "history.toml", text))
    assert isinstance(history, RegulationVersions)
    old = history.for_contract(date(2026, 6, 30))
    new = history.for_contract(date(2026, 7, 1))
    assert (old.version, new.version) == ("1", "2")
    opened = msk(2026, 7, 6, 9, 0)  # a Monday
    # v1: 48 h on 09:00-18:00 days: 6-10 July 45 h, Monday 13 July 3 h -> 12:00.
    assert old.deadlines("partner.standard", opened)["reaction_deadline"] == msk(
        2026, 7, 13, 12, 0
    )
    # v2: 24 h from Monday 09:00 on 10:00-19:00 days: 6 July 9 h, 7 July 9 h, 8 July 16:00.
    assert new.deadlines("partner.standard", opened)["reaction_deadline"] == msk(
        2026, 7, 8, 16, 0
    )


def test_the_default_policy_is_a_policy_file_like_any_other(tmp_path: Path) -> None:
    from importlib import resources

    text = resources.files("slaclock").joinpath("data/regulation.toml").read_text("utf-8")
    assert load_policy(write(tmp_path, "copy.toml", text)) == Regulation.default()


BAD_FILES = [
    ("syntax.toml", "version = \n", "<file>", "not valid TOML"),
    ("format.toml", "format = 2\n", "format", "reads format 1"),
    ("unknown.toml", "owner = 'me'\n" + DESK, "owner", "unknown key"),
    ("noversion.toml", DESK.replace('version = "2026.1"', ""), "version", "missing"),
    ("date.toml", DESK.replace("2026-01-01", '"first of January"'), "effective", "a date"),
    ("risk.toml", DESK.replace("0.75", "75"), "at_risk", "share"),
    (
        "hours.toml",
        DESK.replace("hours = 4, clock", "hours = -4, clock"),
        "levels.gold.resolution.hours",
        "positive",
    ),
    (
        "both.toml",
        DESK.replace("hours = 4, clock", "hours = 4, minutes = 3, clock"),
        "levels.gold.resolution",
        "exactly one",
    ),
    (
        "clock.toml",
        DESK.replace('clock = "office" }\nnext', 'clock = "ofice" }\nnext'),
        "levels.silver.reaction.clock",
        "not a calendar",
    ),
    (
        "customer.toml",
        DESK.replace('customer = "commercial"\ncritical', 'customer = "vip"\ncritical'),
        "levels.gold.customer",
        "'commercial'",
    ),
    (
        "metric.toml",
        DESK.replace("[levels.silver]", "[levels.silver]\nfirst_reply = 3"),
        "levels.silver.first_reply",
        "unknown key",
    ),
    (
        "tz.toml",
        DESK.replace('tz = "Europe/London"\nhours', 'tz = "Europe/Lonodn"\nhours'),
        "calendars.office.tz",
        "IANA",
    ),
    (
        "calhours.toml",
        DESK.replace('hours = "09:00-17:00"', 'hours = "nine to five"'),
        "calendars.office.hours",
        "",
    ),
    (
        "coverage.toml",
        DESK.replace('clock = "always" }', 'clock = { gold = "always" } }'),
        "levels.gold.reaction.clock.gold",
        "coverage",
    ),
    ("nolevels.toml", DESK.split("[levels.gold]")[0] + "[levels]\n", "levels", "at least one"),
    (
        "preset.toml",
        DESK.replace('preset = "always"', 'preset = "uk"'),
        "calendars.always.preset",
        "'russia' or 'always'",
    ),
]


@pytest.mark.parametrize(
    ("name", "text", "key", "problem"), BAD_FILES, ids=[b[0] for b in BAD_FILES]
)
def test_a_malformed_policy_file_names_the_file_the_key_and_the_problem(
    tmp_path: Path, name: str, text: str, key: str, problem: str
) -> None:
    with pytest.raises(PolicyError) as info:
        load_policy(write(tmp_path, name, text))
    error = info.value
    assert error.path == name
    assert error.field == key
    assert problem in str(error)
    # The file as a whole is named alone (no "<file>" key, no "(got None)").
    where = f"{name}: " if key == "<file>" else f"{name}: {key}: "
    assert str(error).startswith(where)
    if key == "<file>":
        assert not str(error).endswith("(got None)")
    assert isinstance(error, ConfigError)
    assert isinstance(error, ValueError)


def test_a_malformed_json_policy_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"^bad\.json: not valid JSON"):
        load_policy(write(tmp_path, "bad.json", "{"))


def test_versions_with_the_same_effective_date_in_a_file(tmp_path: Path) -> None:
    text = """
[calendars.b]
preset = "always"
[customers.partner]
[[versions]]
version = "1"
effective = 2020-01-01
levels.x = { customer = "partner", reaction = { hours = 1, clock = "b" } }
[[versions]]
version = "2"
effective = 2020-01-01
levels.x = { customer = "partner", reaction = { hours = 2, clock = "b" } }
"""
    with pytest.raises(PolicyError, match="two versions take effect") as info:
        load_policy(write(tmp_path, "twice.toml", text))
    assert info.value.field == "versions"


def test_load_calendar_reads_one_calendar_table(tmp_path: Path) -> None:
    from slaclock import load_calendar

    path = tmp_path / "desk.toml"
    path.write_text('[calendar]\npreset = "russia"\nhours = "09:00-13:00, 14:00-18:00"\n')
    cal = load_calendar(path)
    assert cal.summary(2026).total.working_hours == timedelta(hours=1972)  # type: ignore[attr-defined]
    bad = tmp_path / "bad.json"
    bad.write_text('{"tz": "Mars/X", "hours": "09:00-18:00"}')
    with pytest.raises(PolicyError, match=r"bad.json: calendar.tz: not an IANA"):
        load_calendar(bad)
