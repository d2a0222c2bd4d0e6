"""The Django app's configuration."""

from __future__ import annotations

from django.apps import AppConfig


class SlaclockHelpdeskConfig(AppConfig):
    """slaclock's SLA app for django-helpdesk (label ``slaclock_helpdesk``).

    When ready it connects the signals that keep each ticket's SLA state up to date
    (:mod:`slaclock.django_helpdesk.signals`).
    """

    name = "slaclock.django_helpdesk"
    label = "slaclock_helpdesk"
    verbose_name = "SLA (slaclock)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from slaclock.django_helpdesk import signals

        signals.connect()
