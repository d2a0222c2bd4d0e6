"""The parts of an SLA policy as values: metric definitions, options, targets, levels and
their selection rules, and a ticket's deadlines.

A :class:`~slaclock.Regulation` (:mod:`slaclock.sla._regulation`) is made of these; a
policy file (:mod:`slaclock.sla._policy_reader`) is read into them. Nothing about any one
helpdesk is written in code: the walk (:mod:`slaclock.sla._walk`) evaluates whatever a
policy declares with one routine.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

import attrs

from slaclock._errors import ConfigError
from slaclock._instants import duration_us

if TYPE_CHECKING:
    from slaclock.calendars import Schedule

__all__ = [
    "NO_SLA",
    "Condition",
    "Deadlines",
    "FrozenDict",
    "Level",
    "LevelRule",
    "Memo",
    "MetricDefinition",
    "Options",
    "Target",
]

BreachRule = Literal["instant", "working_time"]
LevelChangeRule = Literal["from_start", "from_start_no_backdate", "from_change"]
PausedDeadline = Literal["projected", "frozen", "hidden"]
ClosedRule = Literal["final", "reopenable"]
ReplyToSolved = Literal["waits", "reopens"]


class FrozenDict(dict[str, Any]):
    """A read-only dict: the mappings of policy values (it pickles, unlike a mapping proxy,
    so policies and tickets travel to worker processes and Dask workers)."""

    __slots__ = ()

    def _refuse(self, *args: object, **kwargs: object) -> None:
        raise TypeError("policy values are frozen: build a new one (attrs.evolve)")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]
    __ior__ = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type[FrozenDict], tuple[dict[str, Any]]]:
        return (type(self), (dict(self),))

    def __repr__(self) -> str:
        return f"FrozenDict({dict.__repr__(self)})"


class Memo(dict[Any, Any]):
    """A cache a value keeps of what it has worked out, held by the value that needs it (no
    module-wide cache): not part of the value (the fields holding one are left out of its
    comparison and repr), and not copied with it (a copy or a pickle starts empty). It
    forgets everything once it holds :attr:`LIMIT` answers, so answers keyed by free-form
    text cannot grow it without end."""

    __slots__ = ()

    #: How many answers a memo keeps before it starts again.
    LIMIT = 4096

    def __reduce__(self) -> tuple[type[Memo], tuple[()]]:
        return (type(self), ())

    def keep(self, key: Any, value: Any) -> Any:
        """Remember ``value`` for ``key`` (forgetting the rest when full); return it."""
        if len(self) >= self.LIMIT:
            self.clear()
        self[key] = value
        return value


def shares_of(value: object, name: str = "thresholds") -> tuple[float, ...]:
    """Warning thresholds as sorted distinct shares of a target, each above 0 and at most
    1: the one check of a policy's ``warn`` and a query's ``thresholds``.

    >>> shares_of([0.75, 0.5, 0.75])
    (0.5, 0.75)

    Raises:
        ConfigError: naming ``name``, for a value that is not a list of such shares.
    """
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise ConfigError(name, value, "a list of shares above 0, at most 1 (e.g. [0.5, 0.75])")
    shares = []
    for share in value:
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
            raise ConfigError(name, share, "a share above 0, at most 1 (e.g. [0.5, 0.75])")
        shares.append(float(share))
    return tuple(sorted(set(shares)))


def with_share(shares: tuple[float, ...], share: float) -> tuple[float, ...]:
    """``shares`` (sorted, distinct) and the at-risk ``share``: the at-risk share is always
    a warning threshold."""
    if not shares or shares == (share,):
        return (share,)
    return shares if share in shares else tuple(sorted((*shares, share)))


def frozen_mapping(value: Mapping[str, Any]) -> Mapping[str, Any]:
    if type(value) is FrozenDict:
        return value
    return FrozenDict(value)


def _frozen(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


def names_of(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def rules_of(value: Iterable[LevelRule]) -> tuple[LevelRule, ...]:
    return tuple(value)


@attrs.frozen
class MetricDefinition:
    """What starts, pauses, meets and ends one SLA clock: data, not code.

    Every metric of every policy is evaluated by the same routine from these fields
    (the rules are in :doc:`/explanation/sla`). Triggers are strings: ``created``,
    ``created_by:customer``, ``desk_reply``, ``customer_reply``, ``reply``,
    ``desk_note``, ``enter:pending``, ``leave:solved``, ``reopened`` (solved to open,
    pending or on hold), ``handoff``, ``field:priority``, ``field:category=development``.

    Attributes:
        name: the metric's name in its policy, e.g. ``"reaction"``.
        title: a human name.
        start: triggers that start a cycle when none is running.
        stop: triggers that meet the running cycle.
        pause: status categories in which a running cycle does not count.
        resume: triggers that take the last met cycle up again, with its time.
        cancel: triggers that drop the running cycle (kept only when already breached).
        not_applicable: triggers after which the metric no longer applies.
        cycles: ``False``: one clock per ticket (cycle 0); ``True``: cycles 1, 2, ...
        restart: a start trigger while a cycle runs starts it afresh (``True``) or
            leaves it counting from its first start (``False``).
        unless: metrics that, while running, keep a start trigger from starting one.
        target_from: the metric whose target applies when a level sets none for this one.
        informational: ``True``: measured, promised to no one. Its clocks count (elapsed,
            used, the deadline at which its target, a goal, runs out) but are never
            breached nor at risk, reach no warning threshold, and are left out of a
            ticket's :attr:`~slaclock.TicketStatus.next_deadline` and of a report's
            compliance; it may have no stop trigger (a pure start, such as Request
            Tracker's ``Starts``).
    """

    name: str
    title: str = ""
    start: frozenset[str] = attrs.field(default=frozenset(), converter=_frozen)
    stop: frozenset[str] = attrs.field(default=frozenset(), converter=_frozen)
    pause: frozenset[str] = attrs.field(default=frozenset(), converter=_frozen)
    resume: frozenset[str] = attrs.field(default=frozenset(), converter=_frozen)
    cancel: frozenset[str] = attrs.field(default=frozenset(), converter=_frozen)
    not_applicable: frozenset[str] = attrs.field(default=frozenset(), converter=_frozen)
    cycles: bool = False
    restart: bool = False
    unless: tuple[str, ...] = attrs.field(default=(), converter=names_of)
    target_from: str | None = None
    informational: bool = False
    #: What each set of facts met so far does to a clock of this metric (the walk's).
    _verdicts: Memo = attrs.field(init=False, factory=Memo, eq=False, repr=False, hash=False)


@attrs.frozen
class Options:
    """The rules helpdesks disagree on, chosen per policy (see :doc:`/explanation/sla`).

    Attributes:
        breach: ``"instant"``: a clock still running after its deadline instant is
            breached, whatever the hours (Zendesk, Zammad, Frappe); ``"working_time"``:
            only once the working time it used exceeds the target (Redmine SLA), so a
            reply before the desk opens, after a deadline at the previous evening's close,
            is in time. The default policy counts working time: the regulation states its
            limits in working hours ("48 рабочих часов").
        level_change: ``"from_start"``: a new level's targets apply to running clocks
            counted from each clock's own start, a breach dated where the new target ran
            out, even before the change (Jira Service Management);
            ``"from_start_no_backdate"``: counted from the clock's start too, but a target
            already past at the change is breached at the change (Zendesk: "SLAs do not
            back-date breach events"); ``"from_change"``: counted from the change.
        downgrade_keeps_breach: whether a breach under a stricter level survives a later
            change to a laxer one.
        reply_to_solved: ``"waits"``: a customer's reply to a solved ticket changes nothing
            until the desk reopens it; ``"reopens"``: it reopens the ticket (owing a reply).
        paused_deadline: the deadline of a paused clock: ``"projected"`` as if it resumed
            at the instant asked; ``"frozen"`` as it stood when the clock paused;
            ``"hidden"``: none while paused (Zammad resets its escalation times in a
            state that ignores escalation), unless already breached.
        closed: ``"final"``: a closed ticket stays closed, a customer's reply to it changes
            nothing (Zendesk, the regulation); ``"reopenable"``: a customer's reply
            reopens it (owing a reply) and a move from closed to open, pending or on hold
            is a reopening (``reopened``), as Zammad reopens a closed ticket on the
            customer's follow-up.
    """

    breach: BreachRule = "instant"
    level_change: LevelChangeRule = "from_start"
    downgrade_keeps_breach: bool = True
    reply_to_solved: ReplyToSolved = "waits"
    paused_deadline: PausedDeadline = "projected"
    closed: ClosedRule = "final"


@attrs.frozen
class Target:
    """The most working time a metric may take, and the clock it is counted on.

    Attributes:
        metric: the metric's name, e.g. ``"reaction"``.
        duration: the target, a positive :class:`~datetime.timedelta`.
        clock: the name of the policy calendar it is counted on; ``None`` when the contract
            chooses (see ``clocks``).
        clocks: for a target counted "as the contract says": coverage (``"business"``,
            ``"24x7"``) to calendar name; empty otherwise.
        warn: the warning thresholds of this target (shares of it, sorted); empty: the
            level's.
        business_hours: the name of the calendar of the level's hours, which
            ``from_opening`` and ``out_of_hours`` read (Request Tracker's
            ``ServiceBusinessHours``); ``None`` when neither is given.
        from_opening: the clock counts from the first instant its ``business_hours`` are
            open, at or after its start (Request Tracker's ``BusinessMinutes => 0``
            before ``RealMinutes``: 8 real hours from the next business minute).
        out_of_hours: added to the target when the clock starts outside its
            ``business_hours`` (Request Tracker's ``OutOfHours``); ``None``: nothing.
        hidden_in: status categories in which a clock not yet ended shows no deadline and
            is neither breached nor at risk, while it keeps counting (Request Tracker's
            ``IgnoreOnStatuses``: the due date is unset while the ticket is in one of
            them); back in another category it is judged as if never hidden.
    """

    metric: str
    duration: timedelta
    clock: str | None = None
    clocks: Mapping[str, str] = attrs.field(factory=dict, converter=frozen_mapping, hash=False)
    warn: tuple[float, ...] = attrs.field(default=(), converter=shares_of)
    business_hours: str | None = None
    from_opening: bool = False
    out_of_hours: timedelta | None = None
    hidden_in: frozenset[str] = attrs.field(default=frozenset(), converter=_frozen)

    def clock_name(self, coverage: str | None) -> str:
        """The calendar name for a contract's ``coverage``.

        Raises:
            ConfigError: when the target depends on the contract and ``coverage`` is not
                one the level offers.
        """
        if self.clock is not None:
            return self.clock
        if coverage is None or coverage not in self.clocks:
            raise ConfigError(
                "coverage",
                coverage,
                f"this level's {self.metric} is counted as the contract says: give one of "
                f"{', '.join(repr(c) for c in self.clocks)} (the contract's emergency "
                "agreement)",
            )
        return self.clocks[coverage]

    def counting_from(self, origin_us: int, calendars: Mapping[str, Schedule]) -> int:
        """Where a clock on this target, started at ``origin_us`` (UTC microseconds),
        starts counting: the next opening of its ``business_hours`` for a target counted
        ``from_opening`` (or ``origin_us`` when they never open again), else
        ``origin_us``."""
        if not self.from_opening:
            return origin_us
        assert self.business_hours is not None
        opening = calendars[self.business_hours]._next_open_us(origin_us)
        return origin_us if opening is None else opening

    def extra_us(self, start_us: int, calendars: Mapping[str, Schedule]) -> int:
        """What a clock on this target that starts at ``start_us`` adds to it: its
        ``out_of_hours`` when its ``business_hours`` are closed then, else nothing."""
        if self.out_of_hours is None:
            return 0
        assert self.business_hours is not None
        if calendars[self.business_hours]._next_open_us(start_us) == start_us:
            return 0
        return duration_us(self.out_of_hours)


#: The key of the level of a ticket with no SLA: a policy's ``default_level = false`` (or a
#: rule's ``level = false``); it sets no targets, so the ticket's clocks are
#: ``not_applicable`` and it is counted apart ("no SLA") by statuses and reports.
NO_SLA = "no SLA"


@attrs.frozen
class Level:
    """A service level: who it is for and its targets.

    Attributes:
        key: the level's key, e.g. ``"commercial.standard"``.
        title: a human name.
        customer: the kind of customer it serves (one of the policy's ``customers``), or
            ``None`` for any.
        targets: metric name to :class:`Target`; a metric without a target has no
            deadline (unless its definition's ``target_from`` names one that has:
            :meth:`~slaclock.Regulation.target`).
        critical: a highly critical level, handled ahead of the queue.
        agreement: the level needs a special agreement in the contract.
        clause: where the policy sets it.
        fallbacks: metric name to the metric whose target it falls back to at this level
            (a policy file gives every level its metrics' ``target_from``); none by
            default.
        compliance: the share of tickets the desk means to meet at this level (``0.95``),
            or ``None``: a goal for reports (the plot draws it), not a rule of the clocks.
        warn: the warning thresholds of the level's targets that give none (shares,
            sorted); empty: the policy version's.
        by: the ticket field whose value chooses the level's row of targets (a policy
            file's ``[levels.<key>.by.<field>.<value>]``), or ``None``.
        rows: the field's values to the keys of the row levels (``"gold[priority=urgent]"``:
            each a :class:`Level` of the policy with this level's targets and a row's over
            them); the rules that give this level give a ticket its row.
        calendar_by: the ticket field whose value chooses the calendars the level's targets
            are counted on (a policy file's ``[levels.<key>.calendar_by.<field>]``), or
            ``None``.
        calendar_rows: the field's values to the keys of the levels that count this
            level's targets on other calendars (``"gold[schedule=Berlin]"``).
    """

    key: str
    title: str
    customer: str | None
    targets: Mapping[str, Target] = attrs.field(converter=frozen_mapping, hash=False)
    critical: bool = False
    agreement: bool = False
    clause: str = ""
    fallbacks: Mapping[str, str] = attrs.field(
        factory=dict, converter=frozen_mapping, hash=False
    )
    compliance: float | None = None
    warn: tuple[float, ...] = attrs.field(default=(), converter=shares_of)
    by: str | None = None
    rows: Mapping[str, str] = attrs.field(factory=dict, converter=frozen_mapping, hash=False)
    calendar_by: str | None = None
    calendar_rows: Mapping[str, str] = attrs.field(
        factory=dict, converter=frozen_mapping, hash=False
    )

    @classmethod
    def no_sla(cls) -> Level:
        """The level of a ticket that no SLA applies to (:data:`NO_SLA`): no targets."""
        return cls(NO_SLA, "No SLA", None, {})

    @property
    def is_no_sla(self) -> bool:
        """Whether this is the level of tickets with no SLA."""
        return self.key == NO_SLA

    def target(self, metric: str) -> Target | None:
        """The level's target for ``metric`` (or for the metric its :attr:`fallbacks`
        name), or ``None`` when it sets none.

        >>> from slaclock import Regulation
        >>> level = Regulation.default().level("partner.standard")
        >>> level.target("next_reaction").duration
        datetime.timedelta(days=2)
        >>> level.target("resolution") is None
        True
        """
        found = self.targets.get(metric)
        if found is None:
            fallback = self.fallbacks.get(metric)
            if fallback is not None:
                found = self.targets.get(fallback)
        return found

    @property
    def needs_coverage(self) -> bool:
        """Whether some target's clock is chosen by the contract's coverage."""
        return any(t.clock is None for t in self.targets.values())


#: The operators of a rule's condition (the policy format's ``when.<field>.<operator>``).
Operator = Literal[
    "is", "is_not", "contains", "contains_not", "any_of", "all_of", "none_of",
    "lt", "le", "gt", "ge",
]
#: The operators that compare the field, read as a number, with a number.
COMPARISONS: tuple[Operator, ...] = ("lt", "le", "gt", "ge")
#: The operators that read the field as a set of items (tags).
SET_OPERATORS: tuple[Operator, ...] = ("any_of", "all_of", "none_of")
#: Every operator, in the order the reference lists them.
OPERATORS: tuple[Operator, ...] = (
    "is", "is_not", "contains", "contains_not", *SET_OPERATORS, *COMPARISONS,
)
#: What parts a multi-valued field's items: commas and blanks ("vip, eu", "vip eu").
_ITEM_SEPARATORS = re.compile(r"[,\s]+")


def _operand(value: str | float | Iterable[str]) -> tuple[str, ...] | float:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, int | float):
        return float(value)
    return tuple(value)


def _attribute(value: Mapping[str, str] | None) -> Mapping[str, str] | None:
    return None if value is None else frozen_mapping(value)


def _number(text: str) -> float | None:
    """A field's text as a finite number, or ``None``."""
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


@attrs.frozen
class Condition:
    """One condition of a level-selection rule: a ticket field (or an attribute of the
    ticket's customer) against an operator and its operand.

    Operators (:doc:`/reference/policy-format`, "Selection rules"): ``is`` (one of the
    values, exactly) and ``is_not`` (none of them; a field not set is none of them);
    ``contains`` and ``contains_not`` (one of the texts appears in the field, without
    regard to case); ``any_of``, ``all_of`` and ``none_of`` on a multi-valued field such as
    tags, whose items are parted by commas or blanks and compared without regard to case;
    ``lt``, ``le``, ``gt``, ``ge`` on the field read as a number (a field that is no number
    meets none of them). A field that is not set meets only ``is_not``,
    ``contains_not`` and ``none_of``.

    Attributes:
        field: the ticket field's name, or ``customer.<attribute>``.
        op: the operator.
        operand: the values (``is``, ``is_not``, ``contains``, ``contains_not`` and the
            set operators), or the number (the comparisons).
        attribute: for ``customer.<attribute>``: customer name to that attribute's value
            (the policy's ``[accounts]``); ``None`` for a ticket field.

    >>> Condition("tags", "all_of", ("vip", "eu")).holds({"tags": "EU, vip"})
    True
    >>> Condition("seats", "ge", 100).holds({"seats": "many"})
    False
    """

    field: str
    op: Operator
    operand: tuple[str, ...] | float = attrs.field(converter=_operand)
    attribute: Mapping[str, str] | None = attrs.field(
        default=None, converter=_attribute, hash=False
    )

    def __attrs_post_init__(self) -> None:
        if self.op not in OPERATORS:
            raise ConfigError("op", self.op, f"one of {', '.join(OPERATORS)}")
        if (self.op in COMPARISONS) != isinstance(self.operand, float):
            raise ConfigError(
                "operand", self.operand,
                f"{self.op} takes a number" if self.op in COMPARISONS else
                f"{self.op} takes one or more texts",
            )
        if not isinstance(self.operand, float) and (
            not self.operand or not all(isinstance(v, str) for v in self.operand)
        ):
            raise ConfigError("operand", self.operand, f"{self.op} takes one or more texts")

    def value(self, fields: Mapping[str, str | None]) -> str | None:
        """The ticket's value for this condition's field (its customer's attribute for
        ``customer.<attribute>``)."""
        if self.attribute is None:
            return fields.get(self.field)
        customer = fields.get("customer")
        return None if customer is None else self.attribute.get(customer)

    def holds(self, fields: Mapping[str, str | None]) -> bool:
        """Whether a ticket with these fields meets the condition."""
        value = self.value(fields)
        op, operand = self.op, self.operand
        if isinstance(operand, float):
            number = None if value is None else _number(value)
            if number is None:
                return False
            if op == "lt":
                return number < operand
            if op == "le":
                return number <= operand
            if op == "gt":
                return number > operand
            return number >= operand
        if op == "is":
            return value in operand
        if op == "is_not":
            return value not in operand
        if op in ("contains", "contains_not"):
            found = value is not None and any(
                part.casefold() in value.casefold() for part in operand)
            return found == (op == "contains")
        items = set() if value is None else {
            item.casefold() for item in _ITEM_SEPARATORS.split(value) if item}
        wanted = {item.casefold() for item in operand}
        if op == "any_of":
            return bool(items & wanted)
        if op == "all_of":
            return wanted <= items
        return not items & wanted


def conditions_of(value: Iterable[Condition]) -> tuple[Condition, ...]:
    return tuple(value)


@attrs.frozen
class LevelRule:
    """One rule of level selection: the first rule whose conditions hold gives the level.

    Attributes:
        level: the level it gives.
        when: field name to the values that match (any of them, exactly): the plain
            equality of a policy file's ``when = { priority = ["urgent", "high"] }``.
        opened: ``None``, or ``("inside" | "outside", calendar name)``: whether the ticket
            was opened inside or outside that calendar's hours.
        conditions: the rule's other conditions (:class:`Condition`: operators other than
            plain equality, and attributes of the ticket's customer); all must hold.
    """

    level: str
    when: Mapping[str, frozenset[str]] = attrs.field(
        factory=dict, converter=frozen_mapping, hash=False
    )
    opened: tuple[str, str] | None = None
    conditions: tuple[Condition, ...] = attrs.field(default=(), converter=conditions_of)

    def matches(self, fields: Mapping[str, str | None], inside: Mapping[str, bool]) -> bool:
        """Whether the rule holds for a ticket with these fields, opened ``inside`` (or not)
        each calendar's hours."""
        for name, values in self.when.items():
            if fields.get(name) not in values:
                return False
        for condition in self.conditions:
            if not condition.holds(fields):
                return False
        if self.opened is not None:
            where, calendar = self.opened
            return inside[calendar] == (where == "inside")
        return True


@attrs.frozen(eq=False)
class Deadlines(Mapping[str, Any]):
    """The deadlines of a ticket that nothing pauses (:meth:`~slaclock.Regulation.deadlines`).

    A frozen record, and a read-only mapping of ``"level"``, ``"opened"`` and
    ``"<metric>_deadline"`` for each metric (the form slaclock 0.1 returned as a dict).

    Attributes:
        level: the level's key.
        opened: the opening instant.
        targets: metric name to its deadline (``None`` where the level sets no target),
            for every metric the policy starts at a ticket's creation.
    """

    level: str
    opened: datetime
    targets: Mapping[str, datetime | None] = attrs.field(converter=frozen_mapping)

    def __getitem__(self, key: str) -> Any:
        if key == "level":
            return self.level
        if key == "opened":
            return self.opened
        if key.endswith("_deadline") and key[: -len("_deadline")] in self.targets:
            return self.targets[key[: -len("_deadline")]]
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        yield "level"
        yield "opened"
        for metric in self.targets:
            yield f"{metric}_deadline"

    def __len__(self) -> int:
        return 2 + len(self.targets)

