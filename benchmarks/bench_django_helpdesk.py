"""What a ticket's SLA costs the django-helpdesk app: one refresh (the ticket's rows read
from the database and rebuilt into events, its status, its next warning, its state
saved), and the status alone (rows and rebuild, no write), for tickets of 10, 100 and
1,000 follow-ups, on a SQLite file.

    pip install -e '.[django-helpdesk]'
    python benchmarks/bench_django_helpdesk.py [--events 10,100,1000] [--repeat 5]

Each cost is the fastest of ``--repeat`` rounds (what else the machine runs slows a round,
never speeds one up). Not a test: nothing here runs in CI.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "tests" / "django_helpdesk"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", default="10,100,1000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sys.path[:0] = [str(ROOT / "src"), str(PROJECT)]
    os.environ["DJANGO_SETTINGS_MODULE"] = "settings"
    import django
    from django.conf import settings

    with tempfile.TemporaryDirectory() as scratch:
        settings.DATABASES["default"]["NAME"] = str(Path(scratch) / "bench.sqlite3")
        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        _run([int(n) for n in args.events.split(",")], args.repeat)


def _run(sizes: list[int], repeat: int) -> None:
    from django.contrib.auth import get_user_model
    from helpdesk.models import FollowUp, Queue, Ticket

    from slaclock.django_helpdesk.clock import compute, refresh

    queue = Queue.objects.create(title="Bench", slug="bench", email_address="b@example.com")
    agent = get_user_model().objects.create_user("agent", "a@example.com", "x", is_staff=True)
    start = datetime(2026, 5, 4, 9, tzinfo=UTC)
    print(f"{'follow-ups':>10} {'refresh ms':>11} {'status ms':>10}")
    for n in sizes:
        ticket = Ticket.objects.create(title=f"{n} follow-ups", queue=queue, priority=3)
        Ticket.objects.filter(pk=ticket.pk).update(created=start, modified=start)
        ticket.refresh_from_db()
        # Alternate the customer's and the desk's public replies, a minute apart.
        FollowUp.objects.bulk_create([
            FollowUp(ticket=ticket, date=start + timedelta(minutes=i + 1), public=True,
                     comment=f"reply {i}", user=agent if i % 2 else None, title="Reply")
            for i in range(n)
        ])
        now = start + timedelta(minutes=n + 5)
        costs = []
        for call in (refresh, compute):
            best = float("inf")
            for _ in range(repeat):
                began = time.perf_counter()
                call(ticket, now)
                best = min(best, time.perf_counter() - began)
            costs.append(best * 1000)
        print(f"{n:>10} {costs[0]:>11.2f} {costs[1]:>10.2f}")


if __name__ == "__main__":
    main()
