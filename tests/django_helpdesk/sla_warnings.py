"""The timer and the warnings: ``tick`` (the ``slaclock_sla_tick`` command) sends each
warning once, by Django's mail (the locmem backend: ``mail.outbox``), when the ticket's
timer comes.

The tests' settings warn at 50 % and 75 % of each target (``SLACLOCK_WARN``) and send
every warning to sla-desk@example.com besides the assignee. Level normal: first response
4 h of office time (09:00-17:00 Monday to Friday, UTC); a ticket created Monday 4 May
2026 at 09:00 reaches 50 % at 11:00, 75 % at 12:00 and its deadline at 13:00; under the
policy's ``instant`` breach rule it is breached from the first instant past 13:00.
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from unittest import mock

from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase
from helpers import at, staff, state_at, ticket, update

from slaclock.django_helpdesk import clock
from slaclock.django_helpdesk.clock import tick
from slaclock.django_helpdesk.models import SlaState


def sent_keys(found):
    return [w.key for _, w in found]


class Timer(TestCase):
    def test_the_timer_is_the_first_warning_to_come(self):
        t = ticket(at(4, 9))
        state = state_at(t, at(4, 10))
        assert state.next_change_at == at(4, 11)  # 2 h of 4 h: 09:00 + 2 h
        assert state.next_change == "first_response:0:at_risk:0.5"

    def test_the_timer_counts_office_hours_across_the_night(self):
        t = ticket(at(4, 16))  # Monday 16:00: 1 h of office time left that day
        state = state_at(t, at(4, 16, 30))
        # 50 % of 4 h is 2 h: 16:00-17:00, then Tuesday 09:00-10:00.
        assert state.next_change_at == at(5, 10)

    def test_a_met_first_response_leaves_the_resolutions_warnings(self):
        t = ticket(at(4, 9))
        update(t, at(4, 9, 30), staff(), comment="Looking.", public=True)
        state = state_at(t, at(4, 10))
        # Resolution 40 h: 50 % is 20 h, Monday 8 + Tuesday 8 + Wednesday 4: 13:00.
        assert state.next_change_at == at(6, 13)
        assert state.next_change == "resolution:0:at_risk:0.5"

    def test_a_timer_past_the_look_ahead_says_to_look_again_then(self):
        t = ticket(at(4, 16))
        with mock.patch.object(clock, "_LOOK_AHEAD", 1):
            state = state_at(t, at(4, 16, 30))
        # The first change is both clocks stopping at 17:00, the desk's closing: no
        # warning within one change, so the timer comes back then.
        assert (state.next_change, state.next_change_at) == ("look_again", at(4, 17))
        assert tick(at(4, 17)) == []
        assert SlaState.objects.get(ticket=t).next_change_at == at(5, 10)  # 16-17, 9-10

    def test_a_paused_clock_sets_no_timer(self):
        t = ticket(at(4, 9))
        update(t, at(4, 9, 30), staff(), comment="Which printer?", public=True, new_status=6)
        state = state_at(t, at(4, 10))
        assert state.next_change_at is None
        assert state.next_change == ""


class Tick(TestCase):
    def setUp(self):
        self.ticket = ticket(at(4, 9), assigned=staff("ann"))
        state_at(self.ticket, at(4, 9))
        mail.outbox.clear()

    def test_nothing_is_sent_before_the_timer(self):
        assert tick(at(4, 10, 59)) == []
        assert mail.outbox == []

    def test_each_share_and_the_breach_are_sent_once_when_their_time_comes(self):
        assert sent_keys(tick(at(4, 11))) == ["first_response:0:at_risk:0.5"]
        assert sent_keys(tick(at(4, 11, 30))) == []  # the timer is now 12:00
        assert sent_keys(tick(at(4, 12))) == ["first_response:0:at_risk:0.75"]
        state = SlaState.objects.get(ticket=self.ticket)
        assert state.next_change_at == at(4, 13) + timedelta(microseconds=1)
        assert sent_keys(tick(at(4, 13))) == []  # at the deadline, not yet breached
        assert sent_keys(tick(at(4, 13, 1))) == ["first_response:0:breach"]
        assert sent_keys(tick(at(4, 13, 2))) == []
        state = SlaState.objects.get(ticket=self.ticket)
        assert state.warnings_sent == ["first_response:0:at_risk:0.5",
                                       "first_response:0:at_risk:0.75",
                                       "first_response:0:breach"]
        assert state.breached
        # Next: the resolution's 50 %, Wednesday 13:00 (20 h of office time).
        assert state.next_change_at == at(6, 13)
        assert len(mail.outbox) == 3

    def test_a_warning_goes_to_the_assignee_and_the_desks_addresses(self):
        tick(at(4, 12))  # both shares are due at once, each sent
        assert [m.subject for m in mail.outbox] == [
            f"SLA: [support-{self.ticket.pk}] Printer on fire: first_response at 50% of its "
            "target (deadline 2026-05-04T13:00:00+00:00)",
            f"SLA: [support-{self.ticket.pk}] Printer on fire: first_response at 75% of its "
            "target (deadline 2026-05-04T13:00:00+00:00)",
        ]
        assert mail.outbox[0].to == ["ann@example.com", "sla-desk@example.com"]
        # 4 h target, 3 h used at 12:00: 1 h of office time left.
        assert "- first_response: running, 1h 00m left" in mail.outbox[0].body

    def test_a_reply_before_the_breach_cancels_the_breach_warning(self):
        tick(at(4, 11))
        update(self.ticket, at(4, 11, 30), staff("ann"), comment="Done soon.", public=True)
        state_at(self.ticket, at(4, 11, 30))
        mail.outbox.clear()
        assert sent_keys(tick(at(4, 13, 1))) == []
        assert mail.outbox == []

    def test_a_breach_found_late_is_sent_once_without_the_shares_it_passed(self):
        found = sent_keys(tick(at(4, 15)))
        # Once breached, a clock warns of its breach only.
        assert found == ["first_response:0:breach"]

    def test_a_warning_whose_mail_fails_is_sent_again_at_the_next_tick(self):
        with mock.patch("slaclock.django_helpdesk.clock.send_mail",
                        side_effect=OSError("mail server down")), \
                self.assertLogs("slaclock.django_helpdesk.clock", "ERROR"):
            assert tick(at(4, 11)) == []
        assert SlaState.objects.get(ticket=self.ticket).warnings_sent == []
        assert sent_keys(tick(at(4, 11, 1))) == ["first_response:0:at_risk:0.5"]

    def test_the_tick_command_reports_what_it_sent(self):
        out = StringIO()
        call_command("slaclock_sla_tick", "--now", "2026-05-04T13:01:00+00:00", stdout=out)
        lines = out.getvalue().splitlines()
        assert lines[-1] == "1 warning(s) sent"
        assert lines[0] == (f"ticket {self.ticket.pk}: first_response:0:breach "
                            "(deadline 2026-05-04T13:00:00+00:00)")

    def test_the_tick_command_refuses_a_time_without_an_offset_in_one_line(self):
        with self.assertRaises(CommandError) as caught:  # noqa: PT027 (Django's TestCase)
            call_command("slaclock_sla_tick", "--now", "2026-05-04 13:00")
        assert str(caught.exception).startswith("--now/--at: ")
