"""The SLA in django-helpdesk's own pages (its ticket view and ticket list, rendered by
Django's test client for a logged-in staff user, through the app's template overrides),
and a queue's compliance from ``slaclock_sla_report``.

The pages draw the SLA now, so their tickets are old: created in May 2026, long past every
target by the time a test runs (the pages cannot be told another instant).
"""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase
from django.urls import reverse
from helpdesk.models import Ticket
from helpers import at, staff, ticket, update


class Pages(TestCase):
    def setUp(self):
        self.agent = staff()
        self.client.force_login(self.agent)

    def test_the_ticket_view_shows_the_level_and_each_clock(self):
        t = ticket(at(4, 9))
        update(t, at(4, 10), self.agent, comment="On it.", public=True)
        page = self.client.get(reverse("helpdesk:view", args=[t.pk]))
        assert page.status_code == 200
        text = page.content.decode()
        assert 'id="slaclock-sla"' in text
        assert "SLA: 3. Normal" in text
        # First response met at 10:00, 1 h of its 4 h; resolution long breached.
        assert "<td>First response</td>\n          <td>met</td>" in text
        assert "<td>Resolution</td>\n          <td>breached</td>" in text
        assert "<td>2026-05-04 13:00 UTC</td>" in text  # the first response's deadline
        assert "<td>25%</td>" in text  # 1 h of 4 h

    def test_the_ticket_view_says_why_a_ticket_has_no_sla(self):
        t = ticket(at(4, 9))
        with self.settings(SLACLOCK_STATUSES={1: "Open"}):
            update(t, at(4, 10), self.agent, new_status=Ticket.RESOLVED_STATUS)
            text = self.client.get(reverse("helpdesk:view", args=[t.pk])).content.decode()
        assert "No SLA status: SLACLOCK_STATUSES: django-helpdesk status 3 has no name" in text

    def test_the_ticket_list_shows_the_tickets_at_risk_or_breached(self):
        late = ticket(at(4, 9), title="Printer on fire")
        done = ticket(at(4, 9), title="Toner low")
        update(done, at(4, 10), self.agent, comment="Replaced.", public=True,
               new_status=Ticket.RESOLVED_STATUS)
        text = self.client.get(reverse("helpdesk:list")).content.decode()
        assert 'id="slaclock-watch"' in text
        assert f"{late.ticket_for_url} Printer on fire</a>" in text
        assert "Toner low" not in text  # resolved in time: neither at risk nor breached
        assert 'id="ticketTable"' in text  # django-helpdesk's own list is still there


    def test_the_admin_lists_the_sla_states_read_only(self):
        t = ticket(at(4, 9))
        boss = staff("boss")
        boss.is_superuser = True
        boss.save()
        self.client.force_login(boss)
        page = self.client.get(reverse("admin:slaclock_helpdesk_slastate_changelist"))
        assert page.status_code == 200
        assert str(t) in page.content.decode()
        assert self.client.get(reverse("admin:slaclock_helpdesk_slastate_add")).status_code == 403


class Report(TestCase):
    def setUp(self):
        agent = staff()
        # Met: replied at 10:00 (1 h of 4), resolved Tuesday 10:00 (9 h of 40).
        kept = ticket(at(4, 9), title="Kept")
        update(kept, at(4, 10), agent, comment="On it.", public=True)
        update(kept, at(5, 10), agent, comment="Fixed.", public=True,
               new_status=Ticket.RESOLVED_STATUS)
        # Breached: first reply Monday 15:00, 6 h after 09:00 (target 4 h); resolved
        # Tuesday 10:00.
        late = ticket(at(4, 9), title="Late")
        update(late, at(4, 15), agent, comment="Sorry.", public=True)
        update(late, at(5, 10), agent, comment="Fixed.", public=True,
               new_status=Ticket.RESOLVED_STATUS)
        # Another queue's ticket, breached, left out.
        ticket(at(4, 9), slug="other", title="Elsewhere")

    def test_the_report_command_prints_the_queues_compliance(self):
        out = StringIO()
        call_command("slaclock_sla_report", "--queue", "support",
                     "--at", "2026-05-06T12:00:00+00:00", stdout=out)
        lines = out.getvalue().splitlines()
        # 2 decided tickets, 1 met every target: 50 %.
        assert lines[0] == ("Queue support at 2026-05-06T12:00:00+00:00: 2 tickets, 1 met, "
                            "1 breached, 0 in progress; compliance 50.0%")
        assert lines[1] == "  normal: 2 tickets, 1 met, 1 breached; compliance 50.0%"

    def test_the_report_command_writes_the_summary_as_json(self):
        out = StringIO()
        call_command("slaclock_sla_report", "--queue", "support", "--json",
                     "--at", "2026-05-06T12:00:00+00:00", stdout=out)
        summary = json.loads(out.getvalue())
        assert summary["levels"][0]["metrics"]["first_response"] == {
            "met": 1, "breached": 1, "compliance": 0.5
        }

    def test_the_report_command_names_the_queues_it_knows_for_an_unknown_one(self):
        with self.assertRaises(CommandError) as caught:  # noqa: PT027 (Django's TestCase)
            call_command("slaclock_sla_report", "--queue", "nope")
        assert str(caught.exception) == "no queue 'nope' (queues: other, support)"
