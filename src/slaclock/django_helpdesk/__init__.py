"""SLA clocks for django-helpdesk: an optional Django app (``pip install
"slaclock[django-helpdesk]"``, then ``"slaclock.django_helpdesk"`` in ``INSTALLED_APPS``
before ``"helpdesk"``).

django-helpdesk keeps tickets, follow-ups and ticket changes but counts no SLA. This app
reads those rows as slaclock events under a policy (:mod:`.conf`, :mod:`.events`), keeps
each ticket's SLA status and its next warning in the database (:mod:`.models`,
:mod:`.clock`), shows it in the ticket view and the ticket list (the template tags in
``templatetags/slaclock_helpdesk.py`` and two template overrides), sends the warnings from
the ``slaclock_sla_tick`` command, and reports a queue's compliance with
``slaclock_sla_report``. The how-to is :doc:`/howto/django-helpdesk`.

It sits above every wing of slaclock and reads them only through their public faces
(:mod:`slaclock`, :mod:`slaclock.policy`, :mod:`slaclock.logs`). Nothing in slaclock
imports it, so ``import slaclock`` never imports Django.
"""
