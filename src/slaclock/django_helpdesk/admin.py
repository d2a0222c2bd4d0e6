"""The tickets' SLA states in Django's admin, to look at (the app writes them)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from slaclock.django_helpdesk.models import SlaState


@admin.register(SlaState)
class SlaStateAdmin(admin.ModelAdmin):
    """The SLA states, read-only: each ticket's level, state, flags, next deadline, timer
    and the warnings sent."""

    list_display = ("ticket", "level", "state", "at_risk", "breached", "next_deadline",
                    "next_change_at", "next_change")
    list_filter = ("at_risk", "breached", "state", "level")
    search_fields = ("ticket__title",)

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
