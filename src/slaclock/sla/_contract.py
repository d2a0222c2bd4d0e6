"""A customer's support contract: which kind of customer, when signed (which decides the
regulation version), any emergency agreement, and calendars of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

import attrs

from slaclock._errors import ConfigError, UnknownLevelError
from slaclock.calendars import Schedule
from slaclock.sla._model import Level, frozen_mapping
from slaclock.sla._regulation import Regulation, RegulationVersions, as_versions
from slaclock.sla._ticket import Ticket
from slaclock.sla._vocabulary import COVERAGES

__all__ = ["Contract"]


def _signed(value: object) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ConfigError("signed", value, "give the signing date as a datetime.date")
    return value


@attrs.frozen
class Contract:
    """A customer's support contract: who, which kind, when signed, any emergency
    agreement, and calendars of its own.

    Args:
        customer: the customer's name or id.
        kind: the kind of customer, one of the policy's ``customers`` (the default
            policy's: ``"partner"`` or ``"commercial"``).
        signed: the signing date; it decides the regulation version that applies.
        emergency: the special agreement for levels counted "as the contract says", and
            its coverage: ``"business"`` (business hours) or ``"24x7"``; ``None`` without.
        calendars: policy calendar name to the calendar this customer is counted on
            instead (a customer in another time zone, 24/7 coverage bought by contract).
        policy: the policy ``kind`` and ``emergency`` are checked against (the default
            policy when ``None``); the methods' own ``policy`` argument wins over it.

    >>> c = Contract("Acme", "commercial", date(2026, 3, 2), emergency="24x7")
    >>> c.level("emergency").key
    'commercial.emergency'
    >>> c.targets("emergency")["reaction"]
    (datetime.timedelta(seconds=28800), '24x7')
    >>> try:
    ...     Contract("Beta", "commercial", date(2026, 3, 2)).level("commercial.emergency")
    ... except ConfigError as error:
    ...     print(error)
    emergency: commercial.emergency needs a special agreement in the contract, and Beta's
    contract has none; give Contract(..., emergency='business' or '24x7') (got None)
    """

    customer: str
    kind: str
    signed: date = attrs.field(converter=_signed)
    emergency: str | None = None
    calendars: Mapping[str, Schedule] = attrs.field(
        factory=dict, converter=frozen_mapping, hash=False, kw_only=True
    )
    policy: Regulation | RegulationVersions | None = attrs.field(
        default=None, eq=False, repr=False, kw_only=True
    )

    def __attrs_post_init__(self) -> None:
        versions = as_versions(self.policy)
        kinds = {k for v in versions.versions for k in v.customers}
        if kinds and self.kind not in kinds:
            raise ConfigError(
                "kind", self.kind,
                f"a contract of this policy is one of: {', '.join(sorted(kinds))}",
            )
        offered = {c for v in versions.versions for c in v.coverages} or set(COVERAGES)
        if self.emergency is not None and self.emergency not in offered:
            raise ConfigError(
                "emergency", self.emergency,
                f"the emergency agreement covers {' or '.join(repr(c) for c in sorted(offered))}"
                " hours",
            )
        for name in self.calendars:
            if not any(name in v.calendars for v in versions.versions):
                raise ConfigError(
                    "calendars", name, "not a calendar of the policy; the contract replaces "
                    "the policy's calendars by name",
                )

    def _policy(self, policy: Regulation | RegulationVersions | None) -> RegulationVersions:
        return as_versions(policy if policy is not None else self.policy)

    def regulation(self, policy: Regulation | RegulationVersions | None = None) -> Regulation:
        """The regulation version that governs this contract (the contract's policy, or
        the default one, when ``policy`` is ``None``)."""
        return self._policy(policy).for_contract(self.signed)

    def level(
        self, requested: str, policy: Regulation | RegulationVersions | None = None
    ) -> Level:
        """The level a ticket asking for ``requested`` gets under this contract.

        ``requested`` is a level key, or the name of a level of the contract's kind within
        that kind: its key less the kind and a dot (``"emergency"`` for a commercial
        contract's ``"commercial.emergency"``, as the default policy names its levels).

        Raises:
            UnknownLevelError: for a level the regulation does not define (named as
                requested).
            ConfigError: for a level of the other kind of customer, or one that needs an
                agreement the contract does not have.
        """
        regulation = self.regulation(policy)
        found = regulation.levels.get(requested)
        if found is None:
            prefix = f"{self.kind}."
            found = next((level for level in regulation.levels.values()
                          if level.customer == self.kind
                          and level.key.removeprefix(prefix) == requested), None)
            if found is None:
                raise UnknownLevelError(requested, tuple(regulation.levels))
        key = found.key
        if found.customer is not None and found.customer != self.kind:
            raise ConfigError(
                "level",
                key,
                f"{self.customer}'s contract is {self.kind}; this level serves "
                f"{found.customer} customers",
            )
        if found.agreement and self.emergency is None:
            raise ConfigError(
                "emergency",
                None,
                f"{key} needs a special agreement in the contract, and {self.customer}'s "
                "contract has none; give Contract(..., emergency='business' or '24x7')",
            )
        return found

    def targets(
        self, requested: str, policy: Regulation | RegulationVersions | None = None
    ) -> dict[str, tuple[timedelta, str]]:
        """The targets of ``requested`` under this contract: metric to (duration, name of
        the calendar counting it)."""
        found = self.level(requested, policy)
        regulation = self.regulation(policy)
        out = {}
        for metric in regulation.metrics:
            target = regulation.target(found, metric)
            if target is not None:
                out[metric] = (target.duration, target.clock_name(self.emergency))
        return out

    def ticket(
        self, ticket_id: str, policy: Regulation | RegulationVersions | None = None
    ) -> Ticket:
        """An empty :class:`~slaclock.Ticket` under this contract: its regulation version,
        its coverage and calendars, and only the levels of its kind (and the levels that
        need an agreement only with one)."""
        return Ticket(ticket_id, self.regulation(policy), coverage=self.emergency, contract=self)
