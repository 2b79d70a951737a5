import pytest

from tests.live_stack import LiveStack


@pytest.fixture(scope="module")
def live_stack(django_db_setup, django_db_blocker):
    """Two servers, a Celery worker and Celery beat, on the test database and Redis. The second is uvicorn, as
    the socket pool runs in production (config.serve): every test that uses both servers crosses the two."""
    stack = LiveStack(servers=2, asgi_servers=("daphne", "uvicorn"))
    with stack.running():
        yield stack
