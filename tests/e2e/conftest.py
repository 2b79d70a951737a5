import pytest

from tests.live_stack import LiveStack


@pytest.fixture(scope="module")
def live_stack(django_db_setup, django_db_blocker):
    """Two daphne servers, a Celery worker and Celery beat, on the test database and Redis."""
    stack = LiveStack(servers=2)
    try:
        yield stack.start()
    except Exception:
        print(stack.tail_logs())
        raise
    finally:
        stack.stop()
