"""The app's settings, read once and checked (and read again when a test changes them).

=================================  ======================================================
Setting                            Meaning (default)
=================================  ======================================================
``SLACLOCK_POLICY``                the policy: a policy file's path, or a
                                   :class:`~slaclock.Regulation` or
                                   :class:`~slaclock.RegulationVersions` (default: the
                                   app's ``policy.toml``, django-helpdesk's statuses and
                                   priorities)
``SLACLOCK_STATUSES``              django-helpdesk status number to the policy's status
                                   name (default: each of ``Ticket.STATUS_CHOICES`` to
                                   its English label: ``1`` "Open", ``2`` "Reopened",
                                   ``3`` "Resolved", ``4`` "Closed", ``5`` "Duplicate")
``SLACLOCK_ON_HOLD_STATUS``        the policy's status of a ticket whose ``on_hold`` flag
                                   is set while its status is of the ``open`` category
                                   (default ``"On hold"``; ``None``: the flag is ignored)
``SLACLOCK_LEVELS``                priority (1 to 5) to the policy's level, set by hand
                                   on the ticket (default: none; the policy's ``[[select]]``
                                   rules choose by the ``priority`` field, ``"1"`` to
                                   ``"5"``, and the ``queue`` field, the queue's slug)
``SLACLOCK_WARN``                  the used shares of a target at which a warning goes
                                   out, each once per clock, besides the policy's
                                   ``at_risk`` (default: the policy's ``warn`` lists)
``SLACLOCK_WARNING_RECIPIENTS``    addresses that get every warning, besides the
                                   ticket's assignee (default: none)
``SLACLOCK_OPENING_WINDOW``        seconds after a ticket's creation within which its
                                   first follow-up is its opening message, not a reply
                                   (default 60)
=================================  ======================================================
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

import slaclock
from slaclock import ConfigError, Regulation, RegulationVersions

__all__ = ["POLICY_FILE", "Setup", "setup"]

#: The policy the app uses when ``SLACLOCK_POLICY`` is not set.
POLICY_FILE = Path(__file__).with_name("policy.toml")

#: django-helpdesk's default status numbers and the English names the policy gives them.
_DEFAULT_STATUSES = {1: "Open", 2: "Reopened", 3: "Resolved", 4: "Closed", 5: "Duplicate"}


@attrs.frozen
class Setup:
    """The app's settings, checked.

    Attributes:
        versions: the policy, its versions and contracts.
        statuses: django-helpdesk status number to the policy's status name.
        on_hold: the policy's status of a ticket on hold, or ``None``.
        levels: priority to level, set by hand; empty when the policy chooses.
        warn: the shares of a target at which a warning goes out besides the at-risk
            share, ascending; ``None``: the policy's.
        recipients: the addresses that get every warning.
        opening_window: how long after the ticket's creation its first follow-up is its
            opening message.
    """

    versions: RegulationVersions
    statuses: Mapping[int, str]
    on_hold: str | None
    levels: Mapping[int, str]
    warn: tuple[float, ...] | None
    recipients: tuple[str, ...]
    opening_window: timedelta


def _policy(value: object) -> RegulationVersions:
    if value is None:
        value = POLICY_FILE
    if isinstance(value, str | os.PathLike):
        found = slaclock.load_policy(value)
    elif isinstance(value, Regulation | RegulationVersions):
        found = value
    else:
        raise ConfigError(
            "SLACLOCK_POLICY", value,
            "a policy file's path, or a slaclock Regulation or RegulationVersions",
        )
    return found if isinstance(found, RegulationVersions) else RegulationVersions([found])


def _number_map(name: str, value: object, default: Mapping[int, str]) -> dict[int, str]:
    if value is None:
        return dict(default)
    if not isinstance(value, Mapping) or not all(
        isinstance(k, int) and isinstance(v, str) and v for k, v in value.items()
    ):
        raise ConfigError(name, value, "a dict of numbers to non-empty names, e.g. {1: 'Open'}")
    return dict(value)


def _statuses(value: object, versions: RegulationVersions) -> dict[int, str]:
    statuses = _number_map("SLACLOCK_STATUSES", value, _DEFAULT_STATUSES)
    for regulation in versions.versions:
        for name in statuses.values():
            if regulation.category(name) is None:
                raise ConfigError(
                    "SLACLOCK_STATUSES", value,
                    f"policy version {regulation.version} knows no status {name!r}: map it "
                    "in the policy's [statuses], or map django-helpdesk's statuses to the "
                    "policy's",
                )
    return statuses


def _shares(value: object) -> tuple[float, ...] | None:
    if value is None:
        return None
    if (
        not isinstance(value, list | tuple) or not value
        or not all(isinstance(v, int | float) and 0 < v <= 1 for v in value)
    ):
        raise ConfigError("SLACLOCK_WARN", value, "a list of shares above 0, at most 1")
    return tuple(sorted({float(v) for v in value}))


def _read() -> Setup:
    get: Any = functools.partial(getattr, settings)
    versions = _policy(get("SLACLOCK_POLICY", None))
    on_hold = get("SLACLOCK_ON_HOLD_STATUS", "On hold")
    if on_hold is not None and versions.latest.category(on_hold) is None:
        raise ConfigError(
            "SLACLOCK_ON_HOLD_STATUS", on_hold,
            "a status the policy knows (its [statuses]), or None to ignore the on_hold flag",
        )
    levels = _number_map("SLACLOCK_LEVELS", get("SLACLOCK_LEVELS", None), {})
    for level in levels.values():
        versions.latest.level(level)  # UnknownLevelError names the policy's levels
    recipients = get("SLACLOCK_WARNING_RECIPIENTS", ())
    if isinstance(recipients, str) or not all(isinstance(r, str) for r in recipients):
        raise ConfigError("SLACLOCK_WARNING_RECIPIENTS", recipients, "a list of addresses")
    window = get("SLACLOCK_OPENING_WINDOW", 60)
    if not isinstance(window, int | float) or window < 0:
        raise ConfigError("SLACLOCK_OPENING_WINDOW", window, "a number of seconds, 0 or more")
    return Setup(
        versions=versions,
        statuses=_statuses(get("SLACLOCK_STATUSES", None), versions),
        on_hold=on_hold,
        levels=levels,
        warn=_shares(get("SLACLOCK_WARN", None)),
        recipients=tuple(recipients),
        opening_window=timedelta(seconds=window),
    )


@functools.cache
def setup() -> Setup:
    """The app's settings, read and checked on first use.

    Raises:
        ConfigError: for a setting of the wrong shape, or a status the policy does not
            know.
        PolicyError, CalendarFileError: for a policy file that cannot be read.
        UnknownLevelError: for a level in ``SLACLOCK_LEVELS`` the policy does not have.
    """
    return _read()


@receiver(setting_changed)
def _forget(*, setting: str, **_: object) -> None:
    """Read the settings again when a test overrides one of the app's."""
    if setting.startswith("SLACLOCK_"):
        setup.cache_clear()
