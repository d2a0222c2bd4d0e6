"""django-helpdesk's rows read as slaclock events, and the clocks they make.

The rows are django-helpdesk's own (its models, and its ``update_ticket`` for changes),
in the shapes its source writes (helpdesk/models.py, helpdesk/update_ticket.py of
django-helpdesk 2.6, https://github.com/django-helpdesk/django-helpdesk). Expected values
are worked out by hand on the tests' policy: office hours 09:00-17:00 Monday to Friday,
UTC; level normal (priority 3): first response 4 h, resolution 40 h of office time; level
critical (priority 1 or the queue "emergencies"): 1 h and 8 h around the clock.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse
from helpdesk.models import FollowUp, Ticket
from helpers import at, customer, followup, staff, state_at, ticket, update

from slaclock.django_helpdesk.clock import compute
from slaclock.django_helpdesk.events import helpdesk_events
from slaclock.django_helpdesk.models import SlaState


def clock(status, name):
    return status.metric(name)


class Migrations(TestCase):
    def test_the_apps_migrations_match_its_models(self):
        # The test database was made by running every migration; none is missing.
        call_command("makemigrations", "slaclock_helpdesk", "--check", "--dry-run",
                     verbosity=0)


class Creation(TestCase):
    def test_a_new_ticket_starts_both_clocks_at_its_creation_under_its_prioritys_level(self):
        t = ticket(at(4, 9))  # Monday 09:00, priority 3 (Normal)
        status = compute(t, at(4, 10)).status
        assert status.level == "normal"
        first = clock(status, "first_response")
        assert first.state == "running"
        assert first.elapsed == timedelta(hours=1)
        assert first.deadline == at(4, 13)  # 09:00 + 4 h of office time
        resolution = clock(status, "resolution")
        # 40 h of office time: Monday to Friday, 8 h a day, to Friday 17:00.
        assert resolution.deadline == at(8, 17)

    def test_the_created_event_carries_the_priority_and_the_queue_slug_as_fields(self):
        t = ticket(at(4, 9), priority=2)
        created = helpdesk_events(t)[0]
        assert created.kind == "created"
        assert created.status == "Open"
        assert dict(created.fields) == {"priority": "2", "queue": "support"}

    def test_a_ticket_saved_gets_its_sla_state_from_the_signals(self):
        t = ticket(at(4, 9))
        assert SlaState.objects.filter(ticket=t).exists()

    def test_the_opening_follow_up_written_with_the_ticket_is_not_a_reply(self):
        t = ticket(at(4, 9))
        # django-helpdesk's staff form writes "Ticket Opened", public, by the agent.
        followup(t, at(4, 9) + timedelta(seconds=2), comment="It burns.", user=staff())
        first = clock(compute(t, at(4, 10)).status, "first_response")
        assert first.state == "running"


class Replies(TestCase):
    def test_a_public_follow_up_by_staff_is_the_first_response(self):
        t = ticket(at(4, 9))
        update(t, at(4, 10, 30), staff(), comment="On our way.", public=True)
        first = clock(compute(t, at(4, 12)).status, "first_response")
        assert first.state == "met"
        assert first.met_at == at(4, 10, 30)
        assert first.elapsed == timedelta(hours=1, minutes=30)  # 09:00 to 10:30

    def test_an_internal_note_by_staff_is_no_response(self):
        t = ticket(at(4, 9))
        update(t, at(4, 10), staff(), comment="Checking the logs.", public=False)
        first = clock(compute(t, at(4, 12)).status, "first_response")
        assert first.state == "running"
        assert helpdesk_events(t)[1].kind == "note"

    def test_a_follow_up_from_the_submitter_is_the_customers_reply(self):
        t = ticket(at(4, 9))
        # update_ticket keeps no user for a non-staff author: the submitter's follow-up.
        update(t, at(4, 10), customer(), comment="Any news?", public=True)
        events = helpdesk_events(t)
        assert (events[1].kind, events[1].author) == ("reply", "customer")
        first = clock(compute(t, at(4, 12)).status, "first_response")
        assert first.state == "running"

    def test_an_e_mail_from_the_submitter_is_the_customers_reply(self):
        t = ticket(at(4, 9))
        # django-helpdesk's e-mail reader: public, no user, the message's id kept.
        FollowUp.objects.create(ticket=t, date=at(4, 10), comment="Still burning.",
                                public=True, message_id="<abc@example.org>",
                                title="E-Mail Received from someone@example.org")
        events = helpdesk_events(t)
        assert (events[1].kind, events[1].author) == ("reply", "customer")

    def test_a_follow_up_without_a_comment_is_an_action_not_a_message(self):
        t = ticket(at(4, 9))
        followup(t, at(4, 10), comment="", user=staff())  # an assignment, say
        assert [e.kind for e in helpdesk_events(t)] == ["created"]


class Statuses(TestCase):
    def test_resolving_stops_the_resolution_clock_and_reopening_resumes_it(self):
        t = ticket(at(4, 9))
        update(t, at(5, 10), staff(), comment="Fixed.", public=True,
               new_status=Ticket.RESOLVED_STATUS)
        status = compute(t, at(5, 12)).status
        assert status.state == "resolved"
        resolution = clock(status, "resolution")
        assert resolution.state == "met"
        assert resolution.elapsed == timedelta(hours=9)  # Monday 8 h + Tuesday 1 h
        update(t, at(6, 9), staff(), new_status=Ticket.REOPENED_STATUS)
        resolution = clock(compute(t, at(6, 11)).status, "resolution")
        assert resolution.state == "running"
        assert resolution.elapsed == timedelta(hours=11)  # 9 h + Wednesday 2 h

    def test_waiting_for_the_customer_pauses_the_resolution_clock(self):
        t = ticket(at(4, 9))
        update(t, at(4, 10), staff(), comment="Which printer?", public=True, new_status=6)
        paused = clock(compute(t, at(5, 8)).status, "resolution")
        assert paused.state == "paused"
        assert paused.elapsed == timedelta(hours=1)
        update(t, at(5, 9), customer(), comment="The big one.", public=True,
               new_status=Ticket.OPEN_STATUS)
        resolution = clock(compute(t, at(5, 12)).status, "resolution")
        assert resolution.elapsed == timedelta(hours=4)  # Mon 09-10, Tue 09-12
        # 36 h left from Tuesday 12:00: Tue 5 h, Wed 8, Thu 8, Fri 8 (29), Mon 11 May 7 h.
        assert resolution.deadline == at(11, 16)

    def test_the_on_hold_flag_pauses_the_resolution_clock(self):
        t = ticket(at(4, 9))
        agent = staff()
        self.client.force_login(agent)
        # django-helpdesk's own hold and unhold views, their follow-ups then dated.
        for name, when in (("helpdesk:hold", at(4, 10)), ("helpdesk:unhold", at(4, 15))):
            before = set(t.followup_set.values_list("pk", flat=True))
            self.client.get(reverse(name, args=[t.pk]))
            t.followup_set.exclude(pk__in=before).update(date=when)
        t.refresh_from_db()
        events = helpdesk_events(t)
        assert [(e.kind, e.status) for e in events[1:]] == [
            ("status", "On hold"), ("status", "Open")
        ]
        resolution = clock(compute(t, at(4, 16)).status, "resolution")
        assert resolution.elapsed == timedelta(hours=2)  # 09-10 and 15-16

    def test_a_status_the_settings_do_not_name_leaves_the_ticket_without_sla_and_says_why(self):
        t = ticket(at(4, 9))
        update(t, at(4, 10), staff(), new_status=6)
        with override_settings(SLACLOCK_STATUSES={1: "Open", 2: "Reopened", 3: "Resolved",
                                                  4: "Closed", 5: "Duplicate"}):
            state = state_at(t, at(4, 11))
        assert state.status_json == ""
        assert "django-helpdesk status 6 has no name in the policy" in state.problem


class Levels(TestCase):
    def test_raising_the_priority_moves_the_ticket_to_the_critical_level(self):
        t = ticket(at(4, 9))
        update(t, at(4, 9, 30), staff(), priority=1)
        status = compute(t, at(4, 10, 30)).status
        assert status.level == "critical"
        first = clock(status, "first_response")
        # The new target (1 h, around the clock) counted from the clock's start, 09:00.
        assert first.deadline == at(4, 10)
        assert first.state == "breached"
        assert first.breached_at == at(4, 10)

    def test_the_priority_a_ticket_was_created_with_is_read_from_its_first_change(self):
        t = ticket(at(4, 9), priority=4)
        update(t, at(4, 10), staff(), priority=2)
        events = helpdesk_events(t)
        assert events[0].fields["priority"] == "4"
        assert (events[1].kind, events[1].fields["priority"]) == ("field", "2")
        assert compute(t, at(4, 9, 30)).status.level == "low"
        assert compute(t, at(4, 10, 30)).status.level == "high"

    def test_moving_the_ticket_to_another_queue_changes_its_level_by_the_policys_rule(self):
        t = ticket(at(4, 9))
        emergencies = ticket(at(4, 9), slug="emergencies").queue
        update(t, at(4, 11), staff(), queue=emergencies.pk)
        assert compute(t, at(4, 10)).status.level == "normal"
        assert compute(t, at(4, 12)).status.level == "critical"

    @override_settings(SLACLOCK_LEVELS={1: "critical", 2: "critical", 3: "low", 4: "low",
                                        5: "low"})
    def test_slaclock_levels_sets_the_level_of_each_priority_by_hand(self):
        t = ticket(at(4, 9))
        assert compute(t, at(4, 10)).status.level == "low"


class Stored(TestCase):
    def test_the_stored_state_holds_the_status_json_and_its_flags(self):
        t = ticket(at(4, 9))
        state = state_at(t, at(4, 12, 30))
        data = json.loads(state.status_json)
        assert data["ticket"] == str(t.pk)
        assert data["metrics"][0]["metric"] == "first_response"
        assert data["metrics"][0]["remaining"] == 30 * 60  # 13:00 - 12:30
        assert (state.level, state.state) == ("normal", "open")
        assert state.at_risk  # 3.5 h of 4 h used, past the policy's 0.75
        assert not state.breached
        assert state.next_deadline == at(4, 13)

    def test_the_stored_view_gives_each_clock_in_milliseconds_and_as_text(self):
        t = ticket(at(4, 9))
        view = state_at(t, at(4, 12, 30)).view()
        first = view["metrics"][0]
        assert (first["name"], first["title"]) == ("first_response", "First response")
        # 13:00 - 12:30: 30 minutes, 1,800,000 ms.
        assert first["ongoing_cycle"]["remaining"] == {"millis": 1_800_000, "text": "30m"}
        assert view["level_title"] == "3. Normal"
