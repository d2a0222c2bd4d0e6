"""``manage.py slaclock_sla_report --queue SLUG``: a queue's SLA compliance."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from helpdesk.models import Queue

from slaclock import SlaclockError
from slaclock.django_helpdesk.clock import queue_report
from slaclock.django_helpdesk.management.commands._when import instant


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


class Command(BaseCommand):
    help = (
        "Replay the SLA of a queue's tickets with slaclock's report and print its "
        "compliance: the share of decided tickets that met every target, per level too."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue", required=True, help="the queue's slug")
        parser.add_argument("--at", help="the instant of the report (ISO 8601 with an offset; "
                            "default: now)")
        parser.add_argument("--json", action="store_true",
                            help="print the report's summary as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["queue"]
        try:
            queue = Queue.objects.get(slug=slug)
        except Queue.DoesNotExist:
            known = ", ".join(Queue.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"no queue {slug!r} (queues: {known})") from None
        try:
            report = queue_report(queue, instant(options["at"]))
        except SlaclockError as error:
            raise CommandError(str(error)) from None
        summary = report.summary.as_dict()
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        self.stdout.write(
            f"Queue {slug} at {report.at.isoformat()}: {summary['tickets']} tickets, "
            f"{summary['met']} met, {summary['breached']} breached, "
            f"{summary['in_progress']} in progress; compliance {_share(summary['compliance'])}"
        )
        for level in summary["levels"]:
            self.stdout.write(
                f"  {level['level']}: {level['tickets']} tickets, {level['met']} met, "
                f"{level['breached']} breached; compliance {_share(level['compliance'])}"
            )
        for bad in report.rejected:
            self.stdout.write(f"  left out: {bad}")
