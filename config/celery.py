"""The Celery app and its beat schedule.

Beat runs the once-a-second work (the timer tick, the close of expired auctions, the start of scheduled ones);
CELERY_BEAT_MAX_LOOP_INTERVAL = 1 in the settings lets it wake that often.
"""

import os
import time

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# A worker that exports metrics records them in files there from its first import of prometheus_client on.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

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
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # a worker that exports its metrics (config.metrics_export)
        from config.metrics import record_db_pool

        record_db_pool()


# --- Metrics (config.metrics): task lag from a stamp that every publisher puts on its messages ---------------------


@signals.before_task_publish.connect
def _stamp_enqueue_time(headers=None, **kwargs):
    if headers is not None:
        from config.metrics import ENQUEUED_AT_HEADER

        headers[ENQUEUED_AT_HEADER] = time.time()


@signals.task_prerun.connect
def _observe_task_lag(task=None, **kwargs):
    if task is not None:
        from config.metrics import observe_task_start

        observe_task_start(task)


@signals.worker_init.connect
def _start_metrics_exporter(**kwargs):
    from django.conf import settings

    if settings.WORKER_METRICS_PORT:
        from config.metrics_export import start_worker_exporter

        start_worker_exporter(settings.WORKER_METRICS_HOST, settings.WORKER_METRICS_PORT)


@signals.worker_process_shutdown.connect
def _forget_live_gauges(pid=None, **kwargs):
    from config.metrics_export import mark_process_dead

    mark_process_dead(pid or os.getpid())


@signals.setup_logging.connect
def _use_the_platforms_logging(loglevel=None, **kwargs):
    """Worker and beat log as the rest of the platform does (settings.LOGGING: text or JSON lines, with the
    periodic tasks' INFO lines at DEBUG), not in Celery's own format. LOG_LEVEL sets the platform's own loggers;
    `--loglevel` still sets Celery's (its "ready." line is what the bench and the tests wait for)."""
    import logging
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger("celery").setLevel(loglevel)


@signals.before_task_publish.connect
def _carry_the_request_id(headers=None, **kwargs):
    """A task queued while a request (or a task) is handled logs under the same request id."""
    from config.logs import request_id

    if headers is not None and request_id.get() and "request_id" not in headers:
        headers["request_id"] = request_id.get()


@signals.task_prerun.connect
def _bind_log_context(task_id=None, task=None, kwargs=None, **extra):
    from config.logs import bind, request_id

    kwargs = kwargs or {}
    # The id the publisher sent; else (an eager task) the caller's; else the task's own.
    task.request.log_context = bind(
        request_id=getattr(task.request, "request_id", None) or request_id.get() or task_id,
        user_id=kwargs.get("user_id"),
        auction_id=kwargs.get("auction_id"),
    )


@signals.task_postrun.connect
def _unbind_log_context(task=None, **extra):
    from config.logs import unbind

    tokens = getattr(task.request, "log_context", None)
    if tokens:
        task.request.log_context = None
        unbind(tokens)


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
    "deliver-domain-events": {
        "task": "auctions.deliver_domain_events",
        "schedule": 5.0,
        "options": {"expires": 5},
    },
    "send-owed-emails": {
        "task": "notifications.send_owed_emails",
        "schedule": 15.0,
        "options": {"expires": 15},
    },
    "relay-room-events": {
        "task": "auctions.relay_room_events",
        "schedule": 2.0,
        "options": {"expires": 2},
    },
    "start-due-auctions": {
        "task": "auctions.start_due_auctions",
        "schedule": 1.0,
        "options": {"expires": 2},
    },
}
