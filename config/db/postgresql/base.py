"""PostgreSQL as the platform uses it: django-prometheus' instrumented backend, plus a circuit breaker.

When a process cannot get a connection (PostgreSQL down: the pool waits its 2 s and gives up, or the connect
times out), every request of that process that wants one in the next second is answered at once, 503 like the
first, instead of each waiting out its own 2 s. Under ASGI the sync views of a process share one thread, so
without it the requests queued behind each other during an outage and the last waited many timeouts (issue 13:
4-5 s). After the second, the next request tries again: recovery is noticed within a second of PostgreSQL's
return.
"""

import threading
import time

from django.db import OperationalError
from django_prometheus.db.backends.postgresql import base
from psycopg_pool import PoolTimeout

OPEN_SECONDS = 1.0


class _Breaker:
    def __init__(self):
        self.open_until = 0.0
        self.lock = threading.Lock()

    def check(self) -> None:
        if time.monotonic() < self.open_until:
            raise OperationalError("PostgreSQL was unreachable less than a second ago: not trying again yet")

    def trip(self) -> None:
        with self.lock:
            self.open_until = time.monotonic() + OPEN_SECONDS

    def reset(self) -> None:
        self.open_until = 0.0


_breakers: dict[tuple, _Breaker] = {}


def breaker_for(settings_dict: dict) -> _Breaker:
    """One breaker per server: one that is away says nothing of another."""
    key = (settings_dict.get("HOST"), settings_dict.get("PORT"))
    return _breakers.setdefault(key, _Breaker())


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        breaker = breaker_for(self.settings_dict)
        breaker.check()
        try:
            connection = super().get_new_connection(conn_params)
        except (PoolTimeout, self.Database.OperationalError):
            breaker.trip()
            raise
        breaker.reset()
        return connection
