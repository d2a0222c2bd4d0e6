"""``manage.py slaclock_sla_tick``: send the SLA warnings due and set the next timers."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from slaclock.django_helpdesk.clock import tick
from slaclock.django_helpdesk.management.commands._when import instant


class Command(BaseCommand):
    help = (
        "Refresh the tickets whose SLA timer has come, send each warning due once (at risk, "
        "breached) by e-mail, and set their next timers. Run it every minute (cron, a "
        "periodic task)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now", help="the instant to act at (ISO 8601 with an offset; default: now)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = tick(instant(options["now"]))
        for ticket, warning in sent:
            self.stdout.write(f"ticket {ticket}: {warning.key} (deadline "
                              f"{warning.deadline.isoformat() if warning.deadline else '-'})")
        self.stdout.write(f"{len(sent)} warning(s) sent")
