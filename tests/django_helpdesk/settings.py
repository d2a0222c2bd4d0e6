"""The Django project slaclock's django-helpdesk app is tested in: django-helpdesk and the
app on a real database, SQLite in a file by default, PostgreSQL when the environment
variable SLACLOCK_TEST_POSTGRES holds a DSN (postgresql://user:password@host:port/name;
the test database is made beside it, named test_<name>).

Run: python -m django test --settings=settings --pattern="sla_*.py" from this directory
(tests/test_django_helpdesk.py does, in the suite)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

HERE = Path(__file__).resolve().parent

SECRET_KEY = "slaclock-tests-only"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost"]
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"
SITE_ID = 1
ROOT_URLCONF = "urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = "helpdesk@example.com"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast test logins
LOGIN_URL = "/login/"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rest_framework",
    # Before helpdesk: its templates override helpdesk/ticket.html and ticket_list.html.
    "slaclock.django_helpdesk",
    "helpdesk",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]

STATIC_URL = "/static/"


def _databases() -> dict[str, dict[str, object]]:
    dsn = os.environ.get("SLACLOCK_TEST_POSTGRES")
    if not dsn:
        return {"default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(HERE / "helpdesk.sqlite3"),
            # A real file for the test database too, not SQLite's memory.
            "TEST": {"NAME": str(HERE / "test-helpdesk.sqlite3")},
        }}
    url = urlparse(dsn)
    return {"default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": url.path.lstrip("/") or "slaclock",
        "USER": unquote(url.username or ""),
        "PASSWORD": unquote(url.password or ""),
        "HOST": url.hostname or "",
        "PORT": str(url.port or ""),
    }}


DATABASES = _databases()

# django-helpdesk: a sixth status, "Waiting for customer", which the tests' policy pauses.
HELPDESK_TICKET_STATUS_CHOICES = (
    (1, "Open"), (2, "Reopened"), (3, "Resolved"), (4, "Closed"), (5, "Duplicate"),
    (6, "Waiting for customer"),
)
HELPDESK_TICKET_OPEN_STATUSES = (1, 2, 6)

# slaclock's app: the tests' policy (the shipped one with the sixth status), and warnings
# at half and three quarters of each target.
SLACLOCK_POLICY = str(HERE / "policy.toml")
SLACLOCK_STATUSES = {1: "Open", 2: "Reopened", 3: "Resolved", 4: "Closed", 5: "Duplicate",
                     6: "Waiting for customer"}
SLACLOCK_WARN = [0.5, 0.75]
SLACLOCK_WARNING_RECIPIENTS = ["sla-desk@example.com"]
# django-helpdesk without its optional teams (pinax-teams is not installed).
HELPDESK_TEAMS_MODE_ENABLED = False
