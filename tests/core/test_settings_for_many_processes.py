"""Settings for several processes: rate-limit counters they share, and DATABASE_POOL
(Django's psycopg connection pool for PostgreSQL) with its reset."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from django.db import connection

import lrs
from lrs.core.dbpool import reset_pooled_connection

SETTINGS = Path(lrs.__file__).parent / "settings.py"


def _settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # The production settings as a fresh module would read them from this environment.
    return runpy.run_path(str(SETTINGS))


def test_rate_limit_counters_are_shared_by_the_processes_of_one_machine_by_default(
    monkeypatch, tmp_path
):
    monkeypatch.delenv("CACHE_URL", raising=False)
    settings = _settings(monkeypatch, LRS_DATA_DIR=str(tmp_path))
    cache = settings["CACHES"]["default"]
    assert cache["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert cache["LOCATION"] == str(tmp_path / "cache")


def test_cache_url_chooses_redis_or_memory_in_each_process(monkeypatch):
    redis = _settings(monkeypatch, CACHE_URL="redis://127.0.0.1:6379/0")["CACHES"]["default"]
    assert redis["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    local = _settings(monkeypatch, CACHE_URL="locmem")["CACHES"]["default"]
    assert local["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_the_pool_is_off_unless_asked_for(monkeypatch):
    monkeypatch.delenv("DATABASE_POOL", raising=False)
    settings = _settings(monkeypatch, DATABASE_URL="postgres://postgres@127.0.0.1:5432/lrs")
    default = settings["DATABASES"]["default"]
    assert "pool" not in default.get("OPTIONS", {})
    assert default["CONN_MAX_AGE"] == 60


def test_database_pool_gives_postgresql_a_pool_that_resets_each_connection(monkeypatch):
    settings = _settings(
        monkeypatch,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/lrs",
        DATABASE_POOL="true",
        DATABASE_POOL_MAX_SIZE="16",
    )
    default = settings["DATABASES"]["default"]
    pool = default["OPTIONS"]["pool"]
    assert (pool["min_size"], pool["max_size"]) == (2, 16)
    assert pool["reset"] is reset_pooled_connection
    # Django refuses persistent connections together with a pool.
    assert default["CONN_MAX_AGE"] == 0


def test_database_pool_leaves_sqlite_alone(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = _settings(monkeypatch, DATABASE_POOL="true")
    assert "pool" not in settings["DATABASES"]["default"]["OPTIONS"]


@pytest.mark.django_db
@pytest.mark.parametrize("autocommit", [True, False])
def test_a_connection_back_in_the_pool_loses_a_calls_statement_timeout(autocommit):
    if connection.vendor != "postgresql":
        pytest.skip("the pool is PostgreSQL's")
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    with psycopg.connect(**params, autocommit=True) as raw:
        default = raw.execute("SHOW statement_timeout").fetchone()[0]
        raw.execute("SELECT set_config('statement_timeout', '1234ms', false)")
        raw.autocommit = autocommit
        reset_pooled_connection(raw)
        assert raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        assert raw.execute("SHOW statement_timeout").fetchone()[0] == default
