"""The Celery app and its beat schedule.

Beat runs the once-a-second work (the timer tick, the close of expired auctions, the start of scheduled ones);
CELERY_BEAT_MAX_LOOP_INTERVAL = 1 in the settings lets it wake that often.
"""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("umaseri")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_postrun.connect
def _hand_back_database_connection(**kwargs):
    """After each task, hand the connection back to the process's pool (or close it if it broke).

    Celery's Django fix-up would otherwise close every connection, and with a pool the whole pool, before and
    after every task: two new PostgreSQL connections per outbid notice. CELERY_DB_REUSE_MAX in the settings
    limits that to a periodic recycle; this hook keeps the connection healthy in between."""
    if kwargs.get("task") is not None and getattr(kwargs["task"].request, "is_eager", False):
        return  # an eager task runs inside the caller's request or test; its connection is not ours to return
    from django.db import close_old_connections

    close_old_connections()


app.conf.beat_schedule = {
    "close-expired-auctions": {
        "task": "auctions.close_expired_auctions",
        "schedule": 1.0,
        "options": {"expires": 2},
    },
    "notify-closing-soon": {
        "task": "notifications.notify_closing_soon",
        "schedule": 5.0,
        "options": {"expires": 5},
    },
    "broadcast-timers": {
        "task": "auctions.broadcast_timers",
        "schedule": 1.0,
        "options": {"expires": 2},
    },
    "start-due-auctions": {
        "task": "auctions.start_due_auctions",
        "schedule": 1.0,
        "options": {"expires": 2},
    },
}
