"""Reading a policy's tables: each part of a policy file (a version's calendars, statuses,
customers, options, metrics, levels; the selection rules through
:mod:`slaclock.sla._selection`) checked and made into its value, raising
:class:`~slaclock.PolicyError` with the dotted key at fault.

A version's table is read into the keyword arguments of a
:class:`~slaclock.Regulation` (:meth:`PolicyReader.version`); the file as a whole (its
versions and contracts) is read by :mod:`slaclock.sla._policy_file`. The metric
definitions slaclock ships (``data/metrics.toml``) are read here too
(:func:`metric_library`).
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Callable, Mapping
from datetime import timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import attrs

from slaclock._errors import CalendarFileError, ConfigError, PolicyError
from slaclock.calendars import Calendar, Schedule
from slaclock.sla._model import (
    NO_SLA,
    FrozenDict,
    Level,
    MetricDefinition,
    Options,
    Target,
    shares_of,
)
from slaclock.sla._selection import RULE_KEYS, SelectionReader, on_calendars, with_rows
from slaclock.sla._vocabulary import BUILTIN_FIELDS, CATEGORIES, COVERAGES, check_trigger

__all__ = ["DEFAULT_METRICS", "TOP_KEYS", "PolicyReader", "default_metrics", "metric_library"]

#: The metrics of a policy that declares none: the regulation's.
DEFAULT_METRICS = ("reaction", "next_reaction", "resolution")

#: The keys of a file of one version, and of each of a file's ``[[versions]]``.
TOP_KEYS = {
    "format", "version", "effective", "title", "at_risk", "warn", "calendars", "levels", "metrics",
    "statuses", "options", "select", "default_level", "customers", "fields", "contracts",
    "accounts",
    # The export mapping of the helpdesk's log (slaclock.helpdesks.load_mapping reads it).
    "log",
}
_VERSION_KEYS = TOP_KEYS - {"format", "contracts", "log"}
_LEVEL_KEYS = {
    "title", "customer", "critical", "agreement", "clause", "compliance", "warn", "by",
    "calendar_by",
}
#: The keys of a row of a level's targets (``[levels.<key>.by.<field>.<value>]``), besides
#: its metrics' targets.
_ROW_KEYS = {"critical"}
_METRIC_KEYS = {
    "like", "title", "start", "stop", "pause", "resume", "cancel", "not_applicable", "cycles",
    "restart", "unless", "target_from", "informational",
}
#: The keys of a target (``reaction = { hours = 8, clock = "office" }``).
_TARGET_KEYS = {
    "hours", "minutes", "clock", "warn", "business_hours", "from_opening", "out_of_hours",
    "hidden_in",
}
_OPTION_CHOICES: dict[str, tuple[object, ...]] = {
    "breach": ("instant", "working_time"),
    "level_change": ("from_start", "from_start_no_backdate", "from_change"),
    "downgrade_keeps_breach": (True, False),
    "reply_to_solved": ("waits", "reopens"),
    "paused_deadline": ("projected", "frozen", "hidden"),
    "closed": ("final", "reopenable"),
}
#: The keys of a selection rule (``[[select]]``).
_RULE_KEYS = RULE_KEYS
_CALENDAR_KEYS = {
    "preset", "tz", "hours", "holidays", "days_off", "working_days", "shortened", "overrides",
    "zendesk",
}
#: The keys of a calendar's ``zendesk = { ... }``: a Zendesk schedule file.
_ZENDESK_KEYS = {"file", "select", "holidays"}
_Read = TypeVar("_Read")

#: The longest target a policy may set: a hundred years of working time.
_MAX_TARGET = timedelta(days=36_525)


class PolicyReader(SelectionReader):
    """Reads a version's tables (calendars, statuses, customers, options, metrics, levels),
    and its selection rules as :class:`~slaclock.sla._selection.SelectionReader` does,
    raising :class:`PolicyError` with the dotted key at fault."""

    def version(
        self, data: Mapping[str, Any], prefix: str, shared: Mapping[str, Any]
    ) -> dict[str, Any]:
        """A version's table (its keys under ``prefix``; ``shared``: the keys every version
        of the file shares), checked: the keyword arguments of its
        :class:`~slaclock.Regulation`."""
        self.unknown(data, _VERSION_KEYS if prefix else TOP_KEYS, prefix.rstrip("."))
        for required in ("version", "effective", "levels"):
            if required not in data:
                raise self.fail(prefix + required, None, "missing")
        version = data["version"]
        if isinstance(version, int) and not isinstance(version, bool):
            version = str(version)
        version = self.text(version, prefix + "version")
        effective = self.date(data["effective"], prefix + "effective")
        title = data.get("title", "")
        if not isinstance(title, str):
            raise self.fail(prefix + "title", title, "expected a string")
        at_risk = data.get("at_risk", 0.8)
        if (
            isinstance(at_risk, bool)
            or not isinstance(at_risk, int | float)
            or not 0 < at_risk <= 1
        ):
            raise self.fail(prefix + "at_risk", at_risk, "expected a share above 0, at most 1")
        warn = self.warn(data, prefix + "warn")

        def pick(key: str) -> tuple[Any, str]:
            """A key of this version, or else the one shared by every version."""
            if key in data:
                return data[key], prefix + key
            return shared.get(key), key

        calendars: dict[str, Schedule] = {}
        value, where = shared.get("calendars"), "calendars"
        if value is not None:
            calendars.update(self.calendars(value, where))
        if "calendars" in data:
            calendars.update(self.calendars(data["calendars"], prefix + "calendars"))
        fields = tuple(self.fields(*pick("fields")))
        statuses = self.statuses(*pick("statuses"))
        customers = self.customers(*pick("customers"))
        options = self.options(data.get("options"), prefix + "options")
        metrics = self.metrics(data.get("metrics"), prefix + "metrics", fields)
        levels_table = self.table(data["levels"], prefix + "levels")
        if not levels_table:
            raise self.fail(prefix + "levels", levels_table, "define at least one level")
        levels: dict[str, Level] = {}
        for key, value in levels_table.items():
            level = self.level(key, value, f"{prefix}levels.{key}", calendars, metrics,
                               customers)
            where = f"{prefix}levels.{key}"
            rows = {} if level.by is None else self.rows(
                level, value, f"{where}.by", calendars, metrics, fields)
            schedules = self.schedules(value, f"{where}.calendar_by", calendars, fields)
            made: list[Level] = []
            for choice, row in rows.items():
                row, more = on_calendars(row, schedules)
                rows[choice] = row
                made += [row, *more]
            level, more = on_calendars(level, schedules)
            made += more
            for row in made:
                if row.key in levels_table:
                    raise self.fail(f"{prefix}levels.{row.key}", None,
                                    f"a level of that key is a row of {key!r}: rename it")
                levels[row.key] = row
            levels[key] = attrs.evolve(level, rows={v: r.key for v, r in rows.items()})
        if NO_SLA in levels:
            raise self.fail(f"{prefix}levels.{NO_SLA}", None, "the key of the level of "
                            "tickets with no SLA (default_level = false): call yours otherwise")
        default_level = data.get("default_level")
        selects = data.get("select", [])
        no_sla = default_level is False or (isinstance(selects, list) and any(
            isinstance(rule, Mapping) and rule.get("level") is False for rule in selects))
        if no_sla:
            levels[NO_SLA] = Level.no_sla()
        if default_level is False:
            default_level = NO_SLA
        if default_level is not None and default_level not in levels:
            raise self.fail(
                prefix + "default_level", default_level,
                f"not a level of this policy ({', '.join(levels)})",
            )
        accounts = self.accounts(*pick("accounts"))
        rules = self.rules(
            data.get("select", []), prefix + "select", levels, calendars, fields, accounts
        )
        rules = with_rows(rules, levels, default_level)
        return {
            "version": version,
            "effective": effective,
            "title": title,
            "calendars": calendars,
            "levels": levels,
            "at_risk": float(at_risk),
            "warn": warn,
            "source": self.source,
            "metrics": metrics,
            "statuses": statuses,
            "options": options,
            "rules": rules,
            "default_level": default_level,
            "customers": customers,
            "fields": fields,
        }

    # -- the vocabulary ----------------------------------------------------------------

    def fields(self, value: object, key: str) -> list[str]:
        if value is None:
            return []
        names = self.texts(value, key)
        for name in names:
            if name in BUILTIN_FIELDS:
                raise self.fail(key, name, f"a built-in field ({', '.join(BUILTIN_FIELDS)})")
        return names

    def statuses(self, value: object, key: str) -> dict[str, str]:
        if value is None:
            return {}
        table = self.table(value, key)
        out: dict[str, str] = {}
        folded: dict[str, str] = {}
        for name, category in table.items():
            if category not in CATEGORIES:
                raise self.fail(
                    f"{key}.{name}", category,
                    f"unknown status category; one of {', '.join(CATEGORIES)}",
                )
            twin = folded.get(name.strip().casefold())
            if twin is not None and table[twin] != category:
                raise self.fail(
                    f"{key}.{name}", category,
                    f"statuses are matched without regard to case, and {twin!r} is "
                    f"{table[twin]!r}",
                )
            folded[name.strip().casefold()] = name
            out[name] = category
        return out

    def customers(self, value: object, key: str) -> dict[str, str]:
        if value is None:
            # A policy that names no kinds of customer has none: its levels serve any
            # customer, and a contract may be of any kind.
            return {}
        table = self.table(value, key)
        out = {}
        for name, spec in table.items():
            spec = self.table(spec, f"{key}.{name}")
            self.unknown(spec, {"title"}, f"{key}.{name}")
            title = spec.get("title", name)
            out[name] = self.text(title, f"{key}.{name}.title")
        if not out:
            raise self.fail(key, value, "name at least one kind of customer, or leave it out")
        return out

    def options(self, value: object, key: str) -> Options:
        if value is None:
            return Options()
        table = self.table(value, key)
        self.unknown(table, set(_OPTION_CHOICES), key)
        for name, choice in table.items():
            allowed = _OPTION_CHOICES[name]
            if choice not in allowed or isinstance(choice, bool) != isinstance(allowed[0], bool):
                shown = ", ".join(json.dumps(a) for a in allowed)
                raise self.fail(f"{key}.{name}", choice, f"expected one of {shown}")
        return Options(**table)

    def metrics(
        self, value: object, key: str, fields: tuple[str, ...]
    ) -> dict[str, MetricDefinition]:
        if value is None:
            return default_metrics()
        table = self.table(value, key)
        if not table:
            raise self.fail(key, value, "declare at least one metric, or leave it out")
        for name in table:
            if name in _LEVEL_KEYS:
                raise self.fail(
                    f"{key}.{name}", table[name],
                    f"a level's own key ({', '.join(sorted(_LEVEL_KEYS))}) cannot name a "
                    "metric: call it otherwise",
                )
        out = {
            name: self.metric(name, spec, f"{key}.{name}", fields, table, metric_library())
            for name, spec in table.items()
        }
        for name, metric in out.items():
            for other in (*metric.unless, *filter(None, [metric.target_from])):
                if other not in out:
                    which = "unless" if other in metric.unless else "target_from"
                    given = self.table(table[name], f"{key}.{name}")
                    shipped = which not in given and "like" in given
                    raise self.fail(
                        f"{key}.{name}.{which}", other,
                        (f"the shipped definition {given.get('like')!r} counts on the metric "
                         f"{other!r}: add it to the policy's metrics, or set {which} = "
                         f"{'[]' if which == 'unless' else 'a metric of yours'}")
                        if shipped else f"not a metric of this policy ({', '.join(out)})",
                    )
        for name in out:
            cycle = [name]
            while (after := out[cycle[-1]].target_from) is not None and after not in cycle:
                cycle.append(after)
            if after == name:
                raise self.fail(
                    f"{key}.{name}.target_from", out[name].target_from,
                    f"the metrics' target_from go round in a cycle "
                    f"({' -> '.join([*cycle, name])}): end the chain at a metric whose "
                    "definition names no target_from",
                )
        return out

    def metric(
        self,
        name: str,
        value: object,
        key: str,
        fields: tuple[str, ...] | Mapping[str, Any],
        siblings: Mapping[str, Any],
        library: Mapping[str, MetricDefinition] | None,
    ) -> MetricDefinition:
        spec = dict(self.table(value, key))
        self.unknown(spec, _METRIC_KEYS, key)
        base: dict[str, Any] = {}
        like = spec.pop("like", None)
        if like is not None:
            if library is None or like not in library:
                known = ", ".join(library or ())
                raise self.fail(f"{key}.like", like, f"not a metric slaclock ships ({known})")
            base = attrs.asdict(library[like], recurse=False, filter=_given)
            # Names inside a shipped definition are the library's; in this policy they are
            # the names the policy gives them (unless = ["reaction"] stays as it is).
            base["unless"] = tuple(
                _renamed(u, siblings) for u in base["unless"]
            )
            if base["target_from"] is not None:
                base["target_from"] = _renamed(base["target_from"], siblings)
            del base["name"]
        known_fields = fields if isinstance(fields, tuple) else None
        for part in ("start", "stop", "resume", "cancel", "not_applicable"):
            if part in spec:
                triggers = self.texts(spec[part], f"{key}.{part}") if spec[part] else []
                for trigger in triggers:
                    problem = check_trigger(trigger, known_fields)
                    if problem is not None:
                        raise self.fail(f"{key}.{part}", trigger, problem)
                base[part] = frozenset(triggers)
        if "pause" in spec:
            categories = self.texts(spec["pause"], f"{key}.pause") if spec["pause"] else []
            for category in categories:
                if category not in CATEGORIES:
                    raise self.fail(
                        f"{key}.pause", category,
                        f"unknown status category; one of {', '.join(CATEGORIES)}",
                    )
            base["pause"] = frozenset(categories)
        for part in ("cycles", "restart", "informational"):
            if part in spec:
                base[part] = self.flag(spec[part], f"{key}.{part}")
        if "unless" in spec:
            base["unless"] = tuple(self.texts(spec["unless"], f"{key}.unless"))
        if "target_from" in spec:
            base["target_from"] = self.text(spec["target_from"], f"{key}.target_from")
        title = spec.get("title", base.get("title") or name)
        base["title"] = self.text(title, f"{key}.title")
        if not base.get("start"):
            raise self.fail(f"{key}.start", base.get("start"), "a metric needs a start trigger")
        if not base.get("stop") and not base.get("informational"):
            raise self.fail(
                f"{key}.stop", base.get("stop"),
                "nothing meets this metric: give it stop triggers (e.g. desk_reply), or "
                "set informational = true for a clock measured and promised to no one",
            )
        if base.get("restart") and not base.get("cycles"):
            raise self.fail(
                f"{key}.restart", True,
                "a metric counted once cannot start afresh: set cycles = true, or leave "
                "restart out",
            )
        return MetricDefinition(name=name, **base)

    # -- levels and their selection ------------------------------------------------

    def calendars(self, value: object, key: str) -> dict[str, Schedule]:
        table = self.table(value, key)
        return {name: self.calendar(spec, f"{key}.{name}") for name, spec in table.items()}

    def path(self, value: object, key: str) -> Path:
        """A file a policy names, relative to the policy file's folder."""
        name = Path(self.text(value, key))
        return name if self.base is None or name.is_absolute() else self.base / name

    def foreign(self, key: str, value: object, read: Callable[[], _Read]) -> _Read:
        """What ``read`` reads from a file a policy names, its failures said as the
        policy's at ``key``."""
        try:
            return read()
        except CalendarFileError as error:
            raise self.fail(key, value, f"{error.path}: {error.field}: {error.problem}"
                            ) from None
        except OSError as error:
            raise self.fail(key, value, f"cannot read the file: {error.strerror or error}; "
                            "a relative path is read from the policy file's folder") from None
        except ModuleNotFoundError as error:
            raise self.fail(key, value, f"{error}: pip install 'slaclock[ics]'") from None

    def zendesk_calendar(self, value: object, key: str) -> Schedule:
        """A calendar from a Zendesk schedule file: ``zendesk = "schedule.json"`` or
        ``zendesk = { file = "...", select = "<name or id>", holidays = "..." }``."""
        from slaclock.calendars._zendesk_schedule import calendar_from_zendesk

        spec = {"file": value} if isinstance(value, str) else dict(self.table(value, key))
        self.unknown(spec, _ZENDESK_KEYS, key)
        if "file" not in spec:
            raise self.fail(f"{key}.file", None, "missing: the schedule's JSON file")
        where = key if isinstance(value, str) else f"{key}.file"
        schedule = self.path(spec["file"], where)
        holidays = (None if "holidays" not in spec else
                    self.path(spec["holidays"], f"{key}.holidays"))
        select = spec.get("select")
        if select is not None and (isinstance(select, bool)
                                   or not isinstance(select, str | int)):
            raise self.fail(f"{key}.select", select, "expected the schedule's name or id")
        return self.foreign(where, spec["file"], lambda: calendar_from_zendesk(
            schedule, holidays, select=select))

    def calendar(self, value: object, key: str) -> Schedule:
        spec = dict(self.table(value, key))
        self.unknown(spec, _CALENDAR_KEYS, key)
        if "zendesk" in spec:
            if len(spec) > 1:
                other = sorted(set(spec) - {"zendesk"})[0]
                raise self.fail(f"{key}.{other}", spec[other], "a calendar from a Zendesk "
                                "schedule takes its zone, hours and holidays from the file: "
                                "give only zendesk")
            return self.zendesk_calendar(spec["zendesk"], f"{key}.zendesk")
        if isinstance(spec.get("holidays"), Mapping):
            spec["holidays"] = self.ics_holidays(spec["holidays"], f"{key}.holidays")
        preset = spec.pop("preset", None)
        for field in ("days_off", "working_days"):
            if field in spec:
                items = spec[field]
                if not isinstance(items, list):
                    raise self.fail(f"{key}.{field}", items, "expected an array of dates")
                spec[field] = [self.date(d, f"{key}.{field}") for d in items]
        if "shortened" in spec:
            shortened = spec["shortened"]
            if isinstance(shortened, Mapping):
                spec["shortened"] = {
                    self.date(d, f"{key}.shortened"): m for d, m in shortened.items()
                }
            elif isinstance(shortened, list):
                spec["shortened"] = [self.date(d, f"{key}.shortened") for d in shortened]
            else:
                raise self.fail(f"{key}.shortened", shortened, "expected dates or a table")
        if "overrides" in spec:
            overrides = self.table(spec["overrides"], f"{key}.overrides")
            spec["overrides"] = {
                self.date(d, f"{key}.overrides"): h for d, h in overrides.items()
            }
        try:
            if preset == "russia":
                if "tz" in spec or "holidays" in spec:
                    bad = "tz" if "tz" in spec else "holidays"
                    raise self.fail(f"{key}.{bad}", spec[bad], "the russia preset sets it")
                if "shortened" in spec:
                    spec["shortened_days"] = spec.pop("shortened")
                return Calendar.russia(**spec)
            if preset == "always":
                extra = set(spec) - {"tz"}
                if extra:
                    bad = sorted(extra)[0]
                    raise self.fail(f"{key}.{bad}", spec[bad], "the always preset takes only tz")
                return Calendar.always(**spec)
            if preset is not None:
                raise self.fail(f"{key}.preset", preset, "expected 'russia' or 'always'")
            for required in ("tz", "hours"):
                if required not in spec:
                    raise self.fail(f"{key}.{required}", None, "missing (or give a preset)")
            return Calendar(**spec)
        except ConfigError as error:
            if isinstance(error, PolicyError):
                raise
            raise self.fail(f"{key}.{error.field}", error.value, error.problem) from None
        except TypeError as error:
            raise self.fail(key, value, str(error)) from None

    def ics_holidays(self, value: Mapping[str, Any], key: str) -> Any:
        """``holidays = { ics = "holidays.ics" }``: the days an ICS file gives."""
        from slaclock.calendars._ics import read_ics

        self.unknown(value, {"ics"}, key)
        if "ics" not in value:
            raise self.fail(f"{key}.ics", None, "missing: the ICS file's path")
        path = self.path(value["ics"], f"{key}.ics")
        return self.foreign(f"{key}.ics", value["ics"], lambda: read_ics(path))

    def level(
        self,
        key: str,
        value: object,
        where: str,
        calendars: Mapping[str, Schedule],
        metrics: Mapping[str, MetricDefinition],
        customers: Mapping[str, str],
    ) -> Level:
        table = self.table(value, where)
        self.unknown(table, _LEVEL_KEYS | set(metrics), where)
        customer = table.get("customer")
        if customer is not None and customer not in customers:
            raise self.fail(
                    f"{where}.customer", customer,
                    f"expected one of the policy's kinds of customer "
                    f"({', '.join(repr(c) for c in customers) or 'none declared'}); "
                    "declare others under [customers]",
                )
        flags = {
            flag: self.flag(table.get(flag, False), f"{where}.{flag}")
            for flag in ("critical", "agreement")
        }
        targets = {
            metric: self.target(metric, table[metric], f"{where}.{metric}", calendars)
            for metric in metrics
            if metric in table
        }
        title = table.get("title", key)
        clause = table.get("clause", "")
        for name, text in (("title", title), ("clause", clause)):
            if not isinstance(text, str):
                raise self.fail(f"{where}.{name}", text, "expected a string")
        goal = table.get("compliance")
        if goal is not None and (
            isinstance(goal, bool) or not isinstance(goal, int | float) or not 0 < goal <= 1
        ):
            raise self.fail(f"{where}.compliance", goal, "expected a share above 0, at most 1")
        by = table.get("by")
        if by is not None:
            by = self.table(by, f"{where}.by")
            if len(by) != 1:
                raise self.fail(f"{where}.by", dict(by), "give the rows of one field, e.g. "
                                "[levels.gold.by.priority.urgent]")
            by = next(iter(by))
        return Level(
            key=key,
            title=title,
            customer=customer,
            targets=targets,
            critical=flags["critical"],
            agreement=flags["agreement"],
            clause=clause,
            fallbacks={n: m.target_from for n, m in metrics.items() if m.target_from},
            compliance=None if goal is None else float(goal),
            warn=self.warn(table, f"{where}.warn"),
            by=by,
        )

    def rows(
        self,
        level: Level,
        value: Mapping[str, Any],
        where: str,
        calendars: Mapping[str, Schedule],
        metrics: Mapping[str, MetricDefinition],
        fields: tuple[str, ...],
    ) -> dict[str, Level]:
        """The row levels of a level with ``by``: one per value of its field, each with the
        level's targets and the row's over them."""
        field = level.by
        assert field is not None
        at = f"{where}.{field}"
        if field not in (*BUILTIN_FIELDS, *fields) or field == "level":
            raise self.fail(
                at, None, f"the policy's tickets have no field {field!r} to choose a row by; "
                "declare it in 'fields'",
            )
        table = self.table(value["by"][field], at)
        if not table:
            raise self.fail(at, dict(table), "give at least one row, e.g. "
                            f"[levels.{level.key}.by.{field}.urgent]")
        out: dict[str, Level] = {}
        for choice, spec in table.items():
            row_at = f"{at}.{choice}"
            row = self.table(spec, row_at)
            self.unknown(row, _ROW_KEYS | set(metrics), row_at)
            targets = dict(level.targets)
            targets.update({
                metric: self.target(metric, row[metric], f"{row_at}.{metric}", calendars)
                for metric in metrics if metric in row
            })
            critical = self.flag(row.get("critical", level.critical), f"{row_at}.critical")
            out[choice] = attrs.evolve(
                level, key=f"{level.key}[{field}={choice}]",
                title=f"{level.title} ({field} {choice})", targets=targets,
                critical=critical, by=None, rows={},
            )
        return out

    def target(
        self, metric: str, value: object, where: str, calendars: Mapping[str, Schedule]
    ) -> Target:
        table = self.table(value, where)
        self.unknown(table, _TARGET_KEYS, where)
        duration = self.amount(table, where)
        clock = table.get("clock")
        warn = self.warn(table, f"{where}.warn")
        extra = self.target_extras(table, where, clock, calendars)
        if isinstance(clock, str):
            self.known_calendar(clock, f"{where}.clock", calendars)
            return Target(metric, duration, clock, warn=warn, **extra)
        if isinstance(clock, Mapping) and clock:
            for coverage, name in clock.items():
                if coverage not in COVERAGES:
                    raise self.fail(
                        f"{where}.clock.{coverage}", name, "coverage is 'business' or '24x7'"
                    )
                self.known_calendar(name, f"{where}.clock.{coverage}", calendars)
            return Target(metric, duration, None, clock, warn=warn, **extra)
        raise self.fail(
            f"{where}.clock", clock, "expected a calendar name or a table of coverage to name"
        )

    def amount(self, table: Mapping[str, Any], where: str) -> timedelta:
        """A table's duration: exactly one of ``hours`` or ``minutes``, checked."""
        amounts = [unit for unit in ("hours", "minutes") if unit in table]
        if len(amounts) != 1:
            raise self.fail(where, dict(table), "give exactly one of hours or minutes")
        unit = amounts[0]
        amount = table[unit]
        if (
            isinstance(amount, bool)
            or not isinstance(amount, int | float)
            or not math.isfinite(amount)
            or amount <= 0
        ):
            raise self.fail(f"{where}.{unit}", amount, "expected a positive, finite number")
        if amount * (60 if unit == "hours" else 1) > _MAX_TARGET / timedelta(minutes=1):
            raise self.fail(f"{where}.{unit}", amount, "a target is at most 100 years")
        duration = timedelta(**{unit: amount})
        if duration < timedelta(seconds=1):
            raise self.fail(f"{where}.{unit}", amount, "a target is at least one second")
        return duration

    def target_extras(
        self, table: Mapping[str, Any], where: str, clock: object,
        calendars: Mapping[str, Schedule],
    ) -> dict[str, Any]:
        """A target's ``business_hours``, ``from_opening``, ``out_of_hours`` and
        ``hidden_in``, checked (only those it gives)."""
        extra: dict[str, Any] = {}
        if "from_opening" in table:
            extra["from_opening"] = self.flag(table["from_opening"], f"{where}.from_opening")
        if "out_of_hours" in table:
            more = self.table(table["out_of_hours"], f"{where}.out_of_hours")
            self.unknown(more, {"hours", "minutes"}, f"{where}.out_of_hours")
            extra["out_of_hours"] = self.amount(more, f"{where}.out_of_hours")
        hours = table.get("business_hours")
        if hours is not None:
            self.known_calendar(hours, f"{where}.business_hours", calendars)
            extra["business_hours"] = hours
        elif extra.get("from_opening") or "out_of_hours" in extra:
            if not isinstance(clock, str):
                raise self.fail(
                    f"{where}.business_hours", None,
                    "name the calendar of the level's hours (business_hours = \"office\"): "
                    "from_opening and out_of_hours read it",
                )
            extra["business_hours"] = clock
        if "hidden_in" in table:
            categories = self.texts(table["hidden_in"], f"{where}.hidden_in")
            for category in categories:
                if category not in CATEGORIES:
                    raise self.fail(
                        f"{where}.hidden_in", category,
                        f"unknown status category; one of {', '.join(CATEGORIES)}",
                    )
            extra["hidden_in"] = frozenset(categories)
        return extra

    def warn(self, table: Mapping[str, Any], key: str) -> tuple[float, ...]:
        """A table's warning thresholds (``warn = [0.5, 0.75]``), checked; none when it
        gives none."""
        value = table.get("warn")
        if value is None:
            return ()
        if not isinstance(value, list) or not value:
            raise self.fail(key, value, "expected a list of shares above 0, at most 1, "
                            "e.g. [0.5, 0.75]")
        try:
            return shares_of(value, key)
        except ConfigError as error:
            raise self.fail(key, error.value, "expected shares above 0, at most 1, e.g. "
                            "[0.5, 0.75]") from None

def _given(attribute: attrs.Attribute[Any], value: object) -> bool:
    """Whether a field is one a definition is made with (not a cache it keeps)."""
    return attribute.init


def _renamed(library_name: str, siblings: Mapping[str, Any]) -> str:
    """The policy's own name for a metric a shipped definition refers to."""
    for name, spec in siblings.items():
        if name == library_name or (isinstance(spec, Mapping) and spec.get("like") == library_name):
            return name
    return library_name


@cache
def metric_library() -> Mapping[str, MetricDefinition]:
    """The metric definitions slaclock ships, by name: ``reaction``, ``next_reaction``,
    ``resolution`` (the regulation's), Zendesk's seven (``zendesk.first_reply_time``,
    ``zendesk.next_reply_time``, ``zendesk.periodic_update``, ``zendesk.pausable_update``,
    ``zendesk.requester_wait_time``, ``zendesk.agent_work_time``,
    ``zendesk.total_resolution_time``), Zammad's update time in two versions
    (``zammad.update_time``, from the last contact by either side, and
    ``zammad.update_time_from_customer``, from the customer's contact, as today's Zammad
    counts it), Request Tracker's ``rt.response`` and KeepInLoop in two versions
    (``rt.keep_in_loop``, no clock on a ticket the desk creates, and
    ``rt.keep_in_loop_from_create``, counted from the desk's creation too, as RT 4.4 and
    5 count it). A policy takes one with ``like = "<name>"``.

    >>> sorted(metric_library()["resolution"].pause)
    ['pending']
    """
    text = resources.files("slaclock").joinpath("data/metrics.toml").read_text("utf-8")
    reader = PolicyReader("metrics.toml")
    table = tomllib.loads(text)
    return FrozenDict({
        name: reader.metric(name, spec, name, {}, table, None)
        for name, spec in table.items()
    })


def default_metrics() -> dict[str, MetricDefinition]:
    library = metric_library()
    return {name: library[name] for name in DEFAULT_METRICS}


