"""PostgreSQL away: the first request of a process that cannot get a connection waits its timeout; the others in
the next second are answered at once (config/db/postgresql), and after it the next one tries again."""

import pytest
from django.db import OperationalError, connection
from django_prometheus.db.backends.postgresql import base as instrumented

from config.db.postgresql import base as breaker_backend
from tests.live_stack import free_port

# The unreachable server is not the test database; pytest-django's guard only needs to let connections be made.
pytestmark = pytest.mark.django_db


@pytest.fixture
def unreachable():
    """A wrapper for a PostgreSQL that is not there (a closed port on this machine), and a count of the attempts
    that really tried to connect."""
    settings = {**connection.settings_dict, "PORT": str(free_port()), "OPTIONS": {"connect_timeout": 1}}
    wrapper = breaker_backend.DatabaseWrapper(settings, alias="unreachable")
    breaker = breaker_backend.breaker_for(settings)
    breaker.reset()
    yield wrapper, breaker
    breaker.reset()
    wrapper.close()


@pytest.fixture
def attempts(monkeypatch):
    tried = []
    real = instrumented.DatabaseWrapper.get_new_connection

    def counted(self, conn_params):
        tried.append(self.alias)
        return real(self, conn_params)

    monkeypatch.setattr(instrumented.DatabaseWrapper, "get_new_connection", counted)
    return tried


def test_after_a_failed_connect_the_next_ones_fail_at_once_without_trying(unreachable, attempts):
    wrapper, _breaker = unreachable
    for _ in range(3):
        with pytest.raises(OperationalError):
            wrapper.ensure_connection()
    assert attempts == ["unreachable"]  # one real attempt; the two after it were answered by the breaker


def test_after_the_open_second_the_next_request_tries_again(unreachable, attempts):
    wrapper, breaker = unreachable
    with pytest.raises(OperationalError):
        wrapper.ensure_connection()
    breaker.open_until = 0.0  # the second has passed
    with pytest.raises(OperationalError):
        wrapper.ensure_connection()
    assert attempts == ["unreachable", "unreachable"]


def test_one_server_away_does_not_stop_another(unreachable):
    wrapper, _breaker = unreachable
    with pytest.raises(OperationalError):
        wrapper.ensure_connection()
    # A fresh connection to the test database's server is made at once, breaker or not
    other = breaker_backend.DatabaseWrapper({**connection.settings_dict}, alias="other")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
    finally:
        other.close()
