"""Logs: one line per event, saying which request, user and auction it is about; the per-second Celery chatter
kept at DEBUG.

- Context: the request id, user id and auction id live in context variables, set per HTTP request
  (`RequestIdMiddleware`), per WebSocket connection (`WebSocketLogContext`) and per Celery task
  (`config/celery.py`); `ContextFilter` copies them onto every record. In a request the user is the one the
  request has been authenticated as so far (DRF authenticates in the view, JWT or session). A log call's own
  `extra={"auction_id": ...}` wins over the context.
- The request id is the proxy's `X-Request-ID` when it looks like one, else a new one; it is sent back in the
  response's `X-Request-ID` and travels with every Celery task the request queues.
- Formats: `text` (readable, for a terminal) or `json` (one JSON object a line, python-json-logger), chosen by
  LOG_FORMAT in the settings.
- `PeriodicTaskNoise` turns Celery's INFO lines about the beat's periodic tasks (sent, received, succeeded) into
  DEBUG ones: ticks and sweeps run every second and would otherwise bury the starts, closes and errors.
"""

import contextvars
import logging
import re
import threading
import time
import uuid

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.utils.functional import SimpleLazyObject, empty

request_id = contextvars.ContextVar("request_id", default=None)
user_id = contextvars.ContextVar("user_id", default=None)
auction_id = contextvars.ContextVar("auction_id", default=None)
current_request = contextvars.ContextVar("current_request", default=None)
CONTEXT = {"request_id": request_id, "user_id": user_id, "auction_id": auction_id}

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy's id may look like (uuids, nginx's $request_id, AWS trace ids); anything else is replaced, so a
# client cannot write arbitrary text into the logs.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:=+/-]{8,128}$")
FORMATS = ("text", "json")


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_request_id(value: str | None) -> str:
    return value if value and _REQUEST_ID.match(value) else new_request_id()


def bind(**values) -> list[tuple[contextvars.ContextVar, contextvars.Token]]:
    """Sets the named context values; hand the result to `unbind` to restore the previous ones."""
    variables = {**CONTEXT, "current_request": current_request}
    return [(variables[name], variables[name].set(value)) for name, value in values.items()]


def unbind(tokens) -> None:
    for var, token in reversed(tokens):
        var.reset(token)


# --- where the context comes from -------------------------------------------------------------------------


def _auction_in_url(request, view_kwargs) -> int | None:
    if "auction_id" in view_kwargs:
        return view_kwargs["auction_id"]
    if request.path.startswith("/api/auctions/") and "pk" in view_kwargs:
        return view_kwargs["pk"]
    return None


class RequestIdMiddleware:
    """First in MIDDLEWARE: every record logged while a request is handled carries its id (and, once known, the
    user and the auction in the URL)."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def _start(self, request):
        request.request_id = accepted_request_id(request.headers.get(REQUEST_ID_HEADER))
        return bind(request_id=request.request_id, user_id=None, auction_id=None, current_request=request)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self._acall(request)
        tokens = self._start(request)
        try:
            response = self.get_response(request)
        finally:
            unbind(tokens)
        response[REQUEST_ID_HEADER] = request.request_id
        return response

    async def _acall(self, request):
        tokens = self._start(request)
        try:
            response = await self.get_response(request)
        finally:
            unbind(tokens)
        response[REQUEST_ID_HEADER] = request.request_id
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        found = _auction_in_url(request, view_kwargs)
        if found is not None:
            auction_id.set(found)


class WebSocketLogContext:
    """ASGI middleware inside the JWT one: a socket's handlers log under one id for the connection and its user."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        tokens = bind(request_id=_request_id_of(scope), user_id=_user_id_of(scope), auction_id=None)
        try:
            return await self.inner(scope, receive, send)
        finally:
            unbind(tokens)


# Apart from the middleware's call: its frame lives as long as the socket, and should hold no more than it needs.
def _request_id_of(scope) -> str:
    wanted = REQUEST_ID_HEADER.lower().encode()
    raw = next((value for name, value in scope.get("headers") or [] if name == wanted), b"")
    return accepted_request_id(raw.decode("latin-1"))


def _user_id_of(scope) -> int | None:
    user = scope.get("user")
    return user.pk if getattr(user, "is_authenticated", False) else None


# --- records and formats ----------------------------------------------------------------------------------


def _authenticated_user_id(request) -> int | None:
    """The request's user if it is known already: never a database query from inside a log call."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        return None
    return user.pk if getattr(user, "is_authenticated", False) else None


class ContextFilter(logging.Filter):
    """On the handlers: gives every record request_id, user_id and auction_id (None when unknown)."""

    def filter(self, record):
        for name, var in CONTEXT.items():
            if getattr(record, name, None) is None:
                setattr(record, name, var.get())
        # django.request logs a 4xx/5xx after the middleware has finished, but hands over the request.
        request = current_request.get() or getattr(record, "request", None)
        if request is not None:
            if record.request_id is None:
                record.request_id = getattr(request, "request_id", None)
            if record.user_id is None:
                record.user_id = _authenticated_user_id(request)
        return True


class TextFormatter(logging.Formatter):
    """`time LEVEL logger message [req=… user=… auction=…]`, the brackets only with what is known."""

    def format(self, record):
        line = super().format(record)
        known = [
            f"{label}={value}"
            for label, name in (("req", "request_id"), ("user", "user_id"), ("auction", "auction_id"))
            if (value := getattr(record, name, None)) is not None
        ]
        if not known:
            return line
        first, newline, rest = line.partition("\n")  # a traceback stays below its line
        return f"{first} [{' '.join(known)}]{newline}{rest}"


class PeriodicTaskNoise(logging.Filter):
    """On Celery's trace, strategy and beat loggers: their INFO lines about a beat-scheduled task become DEBUG.

    The task names come from the beat schedule itself, so a periodic task added there is quiet too. Errors and
    retries keep their level."""

    _names: tuple[str, ...] | None = None

    @classmethod
    def periodic_task_names(cls) -> tuple[str, ...]:
        if cls._names is None:
            from config.celery import app

            cls._names = tuple(sorted({entry["task"] for entry in app.conf.beat_schedule.values()}))
        return cls._names

    def filter(self, record):
        if record.levelno != logging.INFO:
            return True
        message = record.getMessage()
        if not any(name in message for name in self.periodic_task_names()):
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


class CacheFailures(logging.Filter):
    """On django-redis' logger (DJANGO_REDIS_LOGGER): every cache call passed over while Redis is away is counted;
    the log gets one line, without the traceback, per LINE_EVERY seconds of them, rather than one per request."""

    LINE_EVERY = 10.0

    def __init__(self):
        super().__init__()
        self.lock = threading.Lock()
        self.last_line = float("-inf")
        self.passed_over = 0

    def filter(self, record):
        from config.metrics import CACHE_FAILURES  # settings import this module before any app is ready

        CACHE_FAILURES.inc()
        error = record.exc_info[1] if record.exc_info else None
        cause = getattr(error, "__cause__", None) or error
        with self.lock:
            self.passed_over += 1
            now = time.monotonic()
            if now - self.last_line < self.LINE_EVERY:
                return False
            count, self.passed_over, self.last_line = self.passed_over, 0, now
        record.msg, record.args = (
            "cache unreachable (%s), passed over: %d call(s) since the last line",
            (
                type(cause).__name__ if cause else "unknown",
                count,
            ),
        )
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info = record.exc_text = None
        return True


CELERY_NOISY_LOGGERS = ("celery.app.trace", "celery.worker.strategy", "celery.beat")


def logging_config(level: str, fmt: str) -> dict:
    """The LOGGING setting: everything to stderr, one line per record, in `fmt` ("text" or "json")."""
    formatters = {
        "text": {"()": TextFormatter, "format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s %(auction_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601, UTC
            "json_ensure_ascii": False,
        },
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "context": {"()": ContextFilter},
            "periodic_task_noise": {"()": PeriodicTaskNoise},
            "cache_failures": {"()": CacheFailures},
        },
        "formatters": {fmt: formatters[fmt]},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": fmt, "filters": ["context"]}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            "config.cache": {"filters": ["cache_failures"]},
            **{name: {"filters": ["periodic_task_noise"]} for name in CELERY_NOISY_LOGGERS},
        },
    }
