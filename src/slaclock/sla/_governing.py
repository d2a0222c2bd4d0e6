"""Which terms govern a ticket: the regulation version, the contract and the coverage.

One rule, read by everyone who needs it (the report, the command line, a
:class:`~slaclock.Contract`, a helpdesk plugin):

1. The ticket's **contract** is the policy's contract of the ticket's customer (the
   customer given on its opening), when the policy has one by that name.
2. The **regulation version** is the one in force on the day the contract was signed. A
   ticket without a contract takes the signing date its log gives, and without one the
   day it opened, *in the desk's zone* (:func:`desk_zone`): the same instant written with
   any offset gets the same version.
3. The **coverage** of a level counted "as the contract says" is the contract's emergency
   agreement; without one, the default the caller gives (a log's ``coverage`` column, the
   command's ``--coverage``).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, tzinfo
from typing import TYPE_CHECKING, Any

import attrs

from slaclock._errors import HorizonError
from slaclock._instants import US_PER_SECOND, from_us, to_us
from slaclock.sla._regulation import Regulation, RegulationVersions, as_versions

if TYPE_CHECKING:
    from slaclock.sla._contract import Contract

__all__ = ["Terms", "desk_zone", "governing", "governing_opened", "signed_of", "version_starts"]


@attrs.frozen
class Terms:
    """The terms that govern one ticket.

    Attributes:
        regulation: the regulation version the ticket is counted under.
        contract: the customer's contract, when the policy has one.
        coverage: the coverage of a level counted as the contract says (``"business"``,
            ``"24x7"``), or ``None``.
    """

    regulation: Regulation
    contract: Contract | None
    coverage: str | None


def desk_zone(policy: Regulation | RegulationVersions | None) -> tzinfo:
    """The desk's zone: the (latest) policy version's first calendar's, or UTC for a
    policy without calendars. A report's instant and months, and the day a ticket opened,
    are read in it.

    >>> desk_zone(None)
    zoneinfo.ZoneInfo(key='Europe/Moscow')
    """
    regulation = as_versions(policy).latest
    for schedule in regulation.calendars.values():
        zone: tzinfo = schedule.zone
        return zone
    return UTC


def governing(
    policy: Regulation | RegulationVersions | None,
    opened: datetime | int,
    *,
    customer: str | None = None,
    signed: date | None = None,
    coverage: str | None = None,
) -> Terms:
    """The terms that govern a ticket opened at ``opened`` (an aware datetime, or UTC
    microseconds), by the rule in this module's docstring.

    Args:
        policy: the policy (the default one for ``None``).
        opened: when the ticket opened.
        customer: the ticket's customer, which names its contract.
        signed: the contract's signing date, for a ticket whose customer has no contract
            in the policy (a log's ``signed`` column).
        coverage: the coverage when the contract gives none.

    Raises:
        ConfigError: when no version was in force on the day that decides.
        NaiveDatetimeError: for an ``opened`` without a zone.

    >>> from zoneinfo import ZoneInfo
    >>> v1 = Regulation.default()
    >>> v2 = attrs.evolve(v1, version="2", effective=date(2027, 1, 1))
    >>> policy = RegulationVersions([v1, v2])
    >>> new_year = datetime(2027, 1, 1, 6, 30, tzinfo=ZoneInfo("Europe/Moscow"))
    >>> governing(policy, new_year).regulation.version
    '2'
    >>> governing(policy, new_year.astimezone(ZoneInfo("America/New_York"))).regulation.version
    '2'
    """
    versions = as_versions(policy)
    contract = versions.contracts.get(customer) if customer and versions.contracts else None
    if contract is not None:
        return Terms(contract.regulation(versions), contract, contract.emergency or coverage)
    if signed is None:
        us = opened if isinstance(opened, int) else to_us(opened, "opened")
        found = _far_from_a_change(versions, us, coverage)
        if found is not None:
            return found
        signed = from_us(us, desk_zone(versions)).date()
    return Terms(versions.for_contract(signed), None, coverage)


#: Farther than any zone's offset moves a date: two days, in microseconds.
_MARGIN = 2 * 86_400 * US_PER_SECOND


def _far_from_a_change(versions: RegulationVersions, us: int, coverage: str | None
                       ) -> Terms | None:
    """The terms of a ticket without a contract opened at ``us``, found on the integers
    when ``us`` is two days or more from the start of every version's first day in the
    desk's zone (a report asks it of every ticket); ``None`` otherwise (then the day is
    worked out). The versions' first instants, and the terms found, are kept by the
    versions."""
    starts = version_starts(versions)
    i = bisect_right(starts, us)
    if i == 0 or us - starts[i - 1] < _MARGIN or (i < len(starts) and starts[i] - us < _MARGIN):
        return None
    return _version_terms(versions, i - 1, coverage)


def _version_terms(versions: RegulationVersions, i: int, coverage: str | None) -> Terms:
    """The terms of version ``i`` without a contract (kept by the versions)."""
    memo = versions._memo
    key = (_STARTS, i + 1, coverage)
    terms: Terms | None = memo.get(key)
    if terms is None:
        terms = memo.keep(key, Terms(versions.versions[i], None, coverage))
    return terms


def version_starts(versions: RegulationVersions) -> list[int]:
    """The first instant of each version's effective day in the desk's zone, UTC
    microseconds (kept by the versions); empty when one cannot be written (year 1 or
    9999: every ticket's day is then worked out)."""
    memo = versions._memo
    starts: list[int] | None = memo.get(_STARTS)
    if starts is None:
        zone = desk_zone(versions)
        try:
            starts = [to_us(datetime.combine(v.effective, time(), tzinfo=zone))
                      for v in versions.versions]
        except (OverflowError, ValueError, HorizonError):  # year 1 or 9999: always the day
            starts = []
        memo.keep(_STARTS, starts)
    return starts


def governing_opened(
    versions: RegulationVersions, opened: Any, coverage: str | None
) -> tuple[Any, list[Terms]]:
    """:func:`governing` of many tickets without a contract nor a signing date, opened at
    ``opened`` (a NumPy int64 array of UTC microseconds), by the rule of
    :func:`_far_from_a_change` on the whole array: ``(index, terms)``, each ticket's terms
    ``terms[index]``, or ``-1`` for a ticket near a version's first day (whose day the
    caller works out with :func:`governing`)."""
    import numpy as np

    starts = np.asarray(version_starts(versions), dtype=np.int64)
    if not starts.size:
        return np.full(len(opened), -1, dtype=np.int64), []
    i = np.searchsorted(starts, opened, "right")
    previous = starts[np.maximum(i - 1, 0)]
    following = starts[np.minimum(i, starts.size - 1)]
    near = (i == 0) | (opened - previous < _MARGIN) | (
        (i < starts.size) & (following - opened < _MARGIN))
    terms = [_version_terms(versions, k, coverage) for k in range(starts.size)]
    return np.where(near, -1, i - 1), terms


_STARTS = "governing: the first instant of each version's effective day in the desk's zone"


def signed_of(values: Iterable[date | None]) -> date | None:
    """A ticket's signing date from what its rows say, in the ticket's order (the opening
    first): the first one given."""
    return next((value for value in values if value is not None), None)
