"""Logs: each line names its request, user and auction where known; JSON in production, text locally; Celery's
per-second task lines sink to DEBUG. (The real worker and beat staying quiet: tests/e2e/test_quiet_logs.py.)"""

import io
import json
import logging

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from rest_framework_simplejwt.tokens import AccessToken

from config import celery as celery_config
from config import logs
from config.asgi import application
from tests.bidding.factories import ActiveAuctionFactory
from tests.conftest import client_for


def _formatter(fmt: str) -> logging.Formatter:
    spec = dict(logs.logging_config("INFO", fmt)["formatters"][fmt])
    factory = spec.pop("()")
    if isinstance(factory, str):
        module, _dot, name = factory.rpartition(".")
        factory = getattr(__import__(module, fromlist=[name]), name)
    if "format" in spec:
        spec["fmt"] = spec.pop("format")
    return factory(**spec)


@pytest.fixture
def json_lines():
    """What the root logger writes, through the production handler's filter and JSON formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.ContextFilter())
    handler.setFormatter(_formatter("json"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


# --- the request id ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_response_carries_a_new_request_id():
    first, second = Client().get("/healthz"), Client().get("/healthz")
    assert len(first["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.django_db
def test_the_proxys_request_id_is_kept_and_a_malformed_one_replaced():
    assert Client().get("/healthz", HTTP_X_REQUEST_ID="edge-7f3a9c01")["X-Request-ID"] == "edge-7f3a9c01"
    forged = Client().get("/healthz", HTTP_X_REQUEST_ID="x\nERROR fake line")["X-Request-ID"]
    assert "\n" not in forged and len(forged) == 32


@pytest.mark.django_db
def test_a_line_logged_in_an_api_request_names_the_request_the_user_and_the_auction(json_lines, bidder):
    lot = ActiveAuctionFactory()
    response = client_for(bidder).post(
        f"/api/auctions/{lot.pk}/bids/",
        {"amount": 1_000_000},  # no idempotency key: a validation error, which config.errors logs
        format="json",
        HTTP_X_REQUEST_ID="edge-req-0001",
    )
    assert response.status_code >= 400
    line = next(line for line in json_lines() if line["message"].startswith("api error"))
    assert (line["request_id"], line["user_id"], line["auction_id"]) == ("edge-req-0001", bidder.pk, lot.pk)
    assert line["level"] == "INFO" and line["logger"] == "config.errors"
    # Django's own line about the 4xx, written once the response has left the middleware, has the id too.
    django_line = next(line for line in json_lines() if line["logger"] == "django.request")
    assert django_line["request_id"] == "edge-req-0001"


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_socket_logs_under_its_connections_request_id_and_user(json_lines, bidder):
    headers = [(b"origin", b"http://localhost"), (b"x-request-id", b"edge-ws-0042")]
    socket = WebsocketCommunicator(application, f"/ws/auctions/?token={AccessToken.for_user(bidder)}", headers)
    connected, _ = await socket.connect()
    assert connected
    await socket.receive_json_from()  # the session message
    await socket.send_json_to({"type": "no-such-type"})
    assert (await socket.receive_json_from())["type"] == "error"
    await socket.disconnect()
    line = next(line for line in json_lines() if line["message"].startswith("ws frame refused"))
    assert (line["request_id"], line["user_id"]) == ("edge-ws-0042", bidder.pk)


# --- formats ----------------------------------------------------------------------------------------------


def _record(message: str, *args, exc_info=None, **extra) -> logging.LogRecord:
    record = logging.getLogger("auctions.services").makeRecord(
        "auctions.services", logging.INFO, __file__, 1, message, args, exc_info, extra=extra
    )
    logs.ContextFilter().filter(record)
    return record


def test_json_is_one_object_a_line_with_the_context_and_any_traceback_inside():
    try:
        raise RuntimeError("redis went away")
    except RuntimeError:
        import sys

        record = _record("auction %s closed: %s", 7, "sold", exc_info=sys.exc_info(), auction_id=7)
    tokens = logs.bind(request_id="edge-1234abcd", user_id=3)
    try:
        logs.ContextFilter().filter(record)
    finally:
        logs.unbind(tokens)
    text = _formatter("json").format(record)
    assert "\n" not in text
    line = json.loads(text)
    assert line["message"] == "auction 7 closed: sold"
    assert (line["level"], line["logger"]) == ("INFO", "auctions.services")
    assert (line["request_id"], line["user_id"], line["auction_id"]) == ("edge-1234abcd", 3, 7)
    assert "RuntimeError: redis went away" in line["exc_info"]
    assert line["time"].endswith("+00:00")


def test_text_is_readable_and_names_only_the_context_it_knows():
    line = _formatter("text").format(_record("auction %s started", 5, auction_id=5))
    assert line.endswith("INFO auctions.services auction 5 started [auction=5]")
    assert _formatter("text").format(_record("nothing known")).endswith("nothing known")


def test_the_suite_like_local_runs_logs_text():
    assert settings.LOG_FORMAT == "text"


# --- Celery -----------------------------------------------------------------------------------------------


@pytest.fixture
def root_output():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


TRACE_SUCCESS = "Task %(name)s[%(id)s] succeeded in %(runtime)ss: %(return_value)s"


def _trace_args(name: str) -> dict:
    return {"name": name, "id": "3b1f", "runtime": 0.004, "return_value": None}


def _succeeded(name: str, level: int = logging.INFO) -> None:
    logging.getLogger("celery.app.trace").log(level, TRACE_SUCCESS, _trace_args(name))


def test_the_periodic_tasks_celery_lines_go_to_debug_and_other_tasks_stay(root_output):
    periodic = logs.PeriodicTaskNoise.periodic_task_names()
    assert len(periodic) == len(celery_config.app.conf.beat_schedule)
    assert any(name.endswith("broadcast_timers") for name in periodic)
    for name in periodic:
        _succeeded(name)
        logging.getLogger("celery.worker.strategy").info("Task %s[%s] received", name, "3b1f")
        logging.getLogger("celery.beat").info("Scheduler: Sending due task %s (%s)", "tick", name)
    _succeeded("notifications.send_notification_email")
    _succeeded(periodic[0], logging.ERROR)
    assert root_output.getvalue().splitlines() == [
        "INFO celery.app.trace " + TRACE_SUCCESS % _trace_args("notifications.send_notification_email"),
        "ERROR celery.app.trace " + TRACE_SUCCESS % _trace_args(periodic[0]),
    ]


def test_with_log_level_debug_the_periodic_lines_are_there_marked_debug(root_output):
    trace = logging.getLogger("celery.app.trace")
    trace.setLevel(logging.DEBUG)
    try:
        _succeeded(logs.PeriodicTaskNoise.periodic_task_names()[0])
    finally:
        trace.setLevel(logging.NOTSET)
    assert root_output.getvalue().startswith("DEBUG celery.app.trace Task ")


def test_a_task_queued_in_a_request_carries_its_request_id_and_logs_its_auction():
    tokens = logs.bind(request_id="edge-req-0099")
    try:
        headers = {}
        celery_config._carry_the_request_id(headers=headers)
    finally:
        logs.unbind(tokens)
    assert headers == {"request_id": "edge-req-0099"}

    class Task:
        request = type("Request", (), {"request_id": "edge-req-0099"})()

    celery_config._bind_log_context(task_id="t-1", task=Task, kwargs={"auction_id": 12, "user_id": 4})
    assert (logs.request_id.get(), logs.auction_id.get(), logs.user_id.get()) == ("edge-req-0099", 12, 4)
    celery_config._unbind_log_context(task=Task)
    assert (logs.request_id.get(), logs.auction_id.get(), logs.user_id.get()) == (None, None, None)


def test_a_workers_loglevel_sets_celerys_own_lines_and_log_level_the_platforms():
    celery_logger = logging.getLogger("celery")
    try:
        celery_config._use_the_platforms_logging(loglevel=logging.WARNING)
        assert celery_logger.level == logging.WARNING
        assert logging.getLogger("auctions.services").getEffectiveLevel() == logging.getLevelName(settings.LOG_LEVEL)
        assert logging.getLogger().handlers[0].formatter.__class__ is logs.TextFormatter
    finally:
        celery_logger.setLevel(logging.NOTSET)
