"""Two bench runs on one database or one Redis database: the second refuses to start (bench.exclusive)."""

import re

import pytest

from bench.exclusive import exclusive

DATABASE = "postgres://postgres:secret@127.0.0.1:5432/umaseri_bench_exclusive_test"
REDIS = "redis://127.0.0.1:6379/14"


def test_a_second_run_on_the_same_database_refuses_and_names_it_without_the_password():
    with (
        exclusive(DATABASE, REDIS),
        pytest.raises(SystemExit) as refused,
        exclusive(DATABASE, "redis://127.0.0.1:6379/15"),
    ):
        pass
    message = str(refused.value)
    assert "another bench run (pid " in message
    assert "postgres://127.0.0.1:5432/umaseri_bench_exclusive_test" in message
    assert "secret" not in message


def test_a_second_run_on_the_same_redis_database_refuses():
    with (
        exclusive(DATABASE, REDIS),
        pytest.raises(SystemExit, match=re.escape("redis://127.0.0.1:6379/14")),
        exclusive("postgres://postgres@127.0.0.1:5432/another_one", REDIS),
    ):
        pass


def test_runs_on_their_own_database_and_redis_go_side_by_side_and_a_finished_run_frees_both():
    with (
        exclusive(DATABASE, REDIS),
        exclusive("postgres://postgres@127.0.0.1:5432/another_one", "redis://127.0.0.1:6379/15"),
    ):
        pass
    with exclusive(DATABASE, REDIS):
        pass


def test_a_run_that_fails_frees_what_it_held():
    with pytest.raises(RuntimeError), exclusive(DATABASE, REDIS):
        raise RuntimeError("the run failed")
    with exclusive(DATABASE, REDIS):
        pass
