"""The Celery app and its beat schedule.

Beat runs the once-a-second work (the timer tick, the close of expired auctions, the start of scheduled ones);
CELERY_BEAT_MAX_LOOP_INTERVAL = 1 in the settings lets it wake that often.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("umaseri")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "close-expired-auctions": {
        "task": "bidding.close_expired_auctions",
        "schedule": 1.0,
        "options": {"expires": 2},
    },
    "notify-closing-soon": {
        "task": "notifications.notify_closing_soon",
        "schedule": 5.0,
        "options": {"expires": 5},
    },
    "broadcast-timers": {
        "task": "bidding.broadcast_timers",
        "schedule": 1.0,
        "options": {"expires": 2},
    },
    "start-due-auctions": {
        "task": "auctions.start_due_auctions",
        "schedule": 1.0,
        "options": {"expires": 2},
    },
}
