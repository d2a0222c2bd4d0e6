"""What-if questions: the same log under a policy changed in one place
(``with_target``, ``with_calendar``), worked out by hand on a few tickets."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
import pytest

from slaclock import (
    Calendar,
    ConfigError,
    Event,
    Regulation,
    RegulationVersions,
    UnknownLevelError,
    report,
)

MSK = ZoneInfo("Europe/Moscow")
REG = Regulation.default()


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)  # type: ignore[arg-type, misc]


#: Opened at 10:00 on Monday 4 May 2026, answered at 10:00 on Wednesday 6 May: 17 working
#: hours on the 09:00-18:00 days of 4 and 5 May (8 + 9), and 1 on 6 May, so 18 in all.
LOG = [
    Event("A", msk(2026, 5, 4, 10), "opened", level="commercial.standard"),
    Event("A", msk(2026, 5, 6, 10), "responded"),
]
AT = msk(2026, 5, 8, 12)


def test_a_shorter_reaction_target_breaches_a_reply_the_regulation_s_target_met() -> None:
    as_is = report(LOG, REG, at=AT).tickets["A"].metric("reaction")
    assert (as_is.state, as_is.deadline) == ("met", msk(2026, 5, 6, 16))  # 24 h: 8 + 9 + 7
    what_if = REG.with_target("commercial.standard", "reaction", timedelta(hours=16))
    got = report(LOG, what_if, at=AT).tickets["A"].metric("reaction")
    # 16 working hours from 10:00 on 4 May: 8 that day, 8 of 5 May, due 17:00 on 5 May.
    assert (got.state, got.deadline) == ("breached", msk(2026, 5, 5, 17))
    assert REG.target("commercial.standard", "reaction").duration == timedelta(hours=24)


def test_a_new_holiday_moves_the_deadline_past_it() -> None:
    # 5 May made a day off: the 24 hours are 8 on 4 May, 9 on 6 May and 7 on 7 May.
    closed = Calendar.russia(days_off=[date(2026, 5, 5)])
    what_if = REG.with_calendar("business", closed)
    got = report(LOG, what_if, at=AT).tickets["A"].metric("reaction")
    assert (got.state, got.deadline) == ("met", msk(2026, 5, 7, 16))


def test_a_target_removed_is_not_applicable() -> None:
    what_if = REG.with_target("commercial.standard", "reaction", None)
    assert what_if.target("commercial.standard", "reaction") is None
    got = report(LOG, what_if, at=AT).tickets["A"].metric("reaction")
    assert got.deadline is None


def test_what_if_on_a_policy_of_versions_changes_every_version_that_has_the_level() -> None:
    later = attrs.evolve(REG.with_target("commercial.standard", "reaction", timedelta(hours=8)),
                         version="2", effective=date(2027, 1, 1))
    versions = RegulationVersions([REG, later])
    changed = versions.with_target("commercial.standard", "reaction", timedelta(hours=4))
    assert [v.target("commercial.standard", "reaction").duration for v in changed.versions] \
        == [timedelta(hours=4)] * 2
    assert changed.contracts == versions.contracts


def test_what_if_names_what_it_cannot_change() -> None:
    with pytest.raises(UnknownLevelError, match=r"did you mean 'commercial\.standard'"):
        REG.with_target("commercial.standart", "reaction", timedelta(hours=1))
    with pytest.raises(ConfigError, match="no such metric; it has: reaction"):
        REG.with_target("commercial.standard", "reply", timedelta(hours=1))
    with pytest.raises(ConfigError, match="sets no resolution target to change"):
        REG.with_target("partner.standard", "resolution", timedelta(hours=1))
    with pytest.raises(ConfigError, match="no such calendar; it has: business, 24x7"):
        REG.with_calendar("office", Calendar.always())
    with pytest.raises(ConfigError, match="no such calendar"):
        RegulationVersions([REG]).with_calendar("office", Calendar.always())
