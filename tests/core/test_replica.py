"""Reads that may be a second stale go to the read replica; writes and fresh reads do not.

The test settings' ``replica`` alias is the test database itself through a second
connection (a test mirror), so it sees committed rows only, as a real replica would.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from lrs.access import Role
from lrs.audit.models import AuditEntry
from lrs.core import replica
from lrs.core.replica import PrimaryReplicaRouter, primary_only, read_alias, stale_reads_allowed
from lrs.learners.models import Learner, LearnerAccess
from lrs.users.models import ApiToken, User
from tests.factories import make_organisation, make_token, make_user
from tests.learners.test_find_and_register import person

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture(autouse=True)
def _replica_on(settings):
    settings.LRS_READ_REPLICA = True
    cache.clear()
    yield
    cache.clear()


def _headers() -> dict[str, str]:
    user = make_user(make_organisation(), Role.ONLINE_USER)
    return {"Authorization": f"Bearer {make_token(user)}"}


def _post(client, url, body, headers):
    return client.post(url, body, content_type="application/json", headers=headers)


def _tables_read(queries) -> set[str]:
    tables = set()
    for query in queries:
        sql = query["sql"]
        if sql.lstrip().upper().startswith("SELECT"):
            for table in (
                "learners_learner",
                "users_apitoken",
                "users_user",
                "learners_learneraccess",
            ):
                if f'"{table}"' in sql or f" {table} " in sql:
                    tables.add(table)
    return tables


def _written(queries) -> bool:
    return any(
        q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) for q in queries
    )


def _find(client, headers):
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        answer = _post(client, "/api/v1/learners/search", person(), headers)
    assert answer.status_code == 200, answer.content
    return answer.json(), _tables_read(on_replica), _tables_read(on_primary), on_replica


def test_the_router_sends_only_stale_safe_models_to_the_replica_and_only_when_allowed():
    router = PrimaryReplicaRouter()
    assert router.db_for_read(Learner) == "default"  # nobody allowed stale reads
    with stale_reads_allowed():
        assert router.db_for_read(Learner) == "replica"
        assert router.db_for_read(AuditEntry) == "replica"
        # What decides access is always read fresh.
        for model in (User, ApiToken, LearnerAccess):
            assert router.db_for_read(model) == "default"
        with transaction.atomic():
            assert router.db_for_read(Learner) == "default"
        with primary_only():
            assert router.db_for_read(Learner) == "default"
    assert router.db_for_write(Learner) == "default"
    assert router.allow_migrate("replica", "learners") is False
    assert router.allow_migrate("default", "learners") is None


def test_without_a_replica_configured_every_read_goes_to_the_primary(settings):
    settings.LRS_READ_REPLICA = False
    with stale_reads_allowed():
        assert read_alias(Learner) == "default"


def test_a_write_in_a_context_sends_its_later_reads_to_the_primary():
    with stale_reads_allowed():
        assert read_alias(Learner) == "replica"
        make_organisation()  # organisations are not read from the replica: no pin
        assert read_alias(Learner) == "replica"
        PrimaryReplicaRouter().db_for_write(Learner)
        assert replica.wrote_in_this_context()
        assert read_alias(Learner) == "default"


def test_a_find_reads_the_register_from_the_replica_and_writes_its_audit_on_the_primary(client):
    headers = _headers()
    assert _post(client, "/api/v1/learners", person(), headers).status_code == 201
    cache.clear()  # forget the registration's pin: this client now only finds
    other = _headers()

    body, replica_read, primary_read, on_replica = _find(client, other)

    assert body["candidates"]
    assert "learners_learner" in replica_read
    assert "learners_learner" not in primary_read
    # The token, the user and the access grants are read on the primary ...
    assert "users_apitoken" in primary_read
    assert not replica_read & {"users_apitoken", "users_user", "learners_learneraccess"}
    # ... and nothing is ever written through the replica.
    assert not _written(on_replica)
    assert AuditEntry.objects.filter(action="learner.find").count() == 1


@pytest.fixture
def lagging_replica(monkeypatch):
    """A replica that has not yet replayed anything written now."""
    monkeypatch.setattr(replica, "replica_has_replayed", lambda position: False)


def test_after_registering_a_client_reads_its_own_writes_from_the_primary(client, lagging_replica):
    headers, other = _headers(), _headers()
    assert _post(client, "/api/v1/learners", person(), headers).status_code == 201

    body, replica_read, primary_read, _ = _find(client, headers)
    assert body["candidates"]
    assert "learners_learner" in primary_read
    assert "learners_learner" not in replica_read

    # Another client is not pinned, and a find pins no one (its audit entry and access
    # grant are not writes of the register).
    for _ in range(2):
        _, replica_read, primary_read, _ = _find(client, other)
        assert "learners_learner" in replica_read
        assert "learners_learner" not in primary_read


def test_after_an_update_the_client_is_pinned_and_the_pin_runs_out(client, lagging_replica):
    headers = _headers()
    uln = _post(client, "/api/v1/learners", person(), headers).json()["learner"]["uln"]
    cache.clear()
    _, replica_read, _, _ = _find(client, headers)
    assert "learners_learner" in replica_read

    changed = client.patch(
        f"/api/v1/learners/{uln}",
        {"version_number": 1, "title": "Ms"},
        content_type="application/json",
        headers=headers,
    )
    assert changed.status_code == 200, changed.content
    _, replica_read, primary_read, _ = _find(client, headers)
    assert "learners_learner" in primary_read
    assert "learners_learner" not in replica_read

    cache.clear()  # as if LRS_REPLICA_PIN_SECONDS had passed
    _, replica_read, _, _ = _find(client, headers)
    assert "learners_learner" in replica_read


@pytest.mark.skipif(
    connections["default"].vendor != "postgresql", reason="WAL positions: PostgreSQL only"
)
def test_once_the_replica_has_replayed_a_clients_write_its_reads_go_back_to_the_replica(client):
    headers = _headers()
    assert _post(client, "/api/v1/learners", person(), headers).status_code == 201
    # The test mirror is the primary itself: it has replayed everything at once.
    body, replica_read, primary_read, _ = _find(client, headers)
    assert body["candidates"]
    assert "learners_learner" in replica_read
    assert "learners_learner" not in primary_read
    assert replica.replica_has_replayed(replica._write_position())
    assert not replica.replica_has_replayed("FFFFFFFF/0")
    # A position at or before one already seen replayed needs no question to the replica.
    seen = replica._write_position()
    assert replica.replica_has_replayed(seen)
    with CaptureQueriesContext(connections["replica"]) as asked:
        assert replica.replica_has_replayed(seen)
        assert replica.replica_has_replayed("0/1")
    assert not asked.captured_queries


def test_without_a_wal_position_a_write_pins_the_client_for_the_pin_time(settings):
    if connections["default"].vendor == "postgresql":
        pytest.skip("SQLite: no WAL position")
    assert replica._write_position() is True
    assert not replica.replica_has_replayed(True)


def _production_settings(monkeypatch, **env):
    import runpy
    from pathlib import Path

    import lrs

    monkeypatch.delenv("DATABASE_REPLICA_URL", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(Path(lrs.__file__).parent / "settings.py"))


@pytest.mark.django_db(databases=[])
def test_database_replica_url_adds_a_replica_alias_pooled_like_the_primary(monkeypatch):
    settings = _production_settings(
        monkeypatch,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/lrs",
        DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:5433/lrs",
        DATABASE_POOL="true",
    )
    assert settings["LRS_READ_REPLICA"] is True
    copy = settings["DATABASES"]["replica"]
    assert (copy["PORT"], copy["NAME"]) == (5433, "lrs")
    assert copy["OPTIONS"]["pool"]["max_size"] == 10
    assert copy["TEST"] == {"MIRROR": "default"}


@pytest.mark.django_db(databases=[])
def test_no_replica_unless_asked_for_and_never_without_a_primary(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = _production_settings(monkeypatch)
    assert settings["LRS_READ_REPLICA"] is False
    assert "replica" not in settings["DATABASES"]
    with pytest.raises(ImproperlyConfigured, match="DATABASE_REPLICA_URL needs DATABASE_URL"):
        _production_settings(monkeypatch, DATABASE_REPLICA_URL="postgres://r/lrs")


def test_a_plr_view_reads_the_learner_from_the_replica(client):
    headers = _headers()
    learner = _post(client, "/api/v1/learners", person(), headers).json()["learner"]
    cache.clear()
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        answer = _post(
            client,
            "/api/v1/learners/learning-events",
            {
                "uln": learner["uln"],
                "given_name": person()["given_name"],
                "family_name": person()["family_name"],
            },
            headers,
        )
    assert answer.status_code == 200, answer.content
    assert "learners_learner" in _tables_read(on_replica)
    assert "learners_learner" not in _tables_read(on_primary)
    assert not _written(on_replica)
    assert AuditEntry.objects.filter(action="plr.view").count() == 1


def test_the_published_lists_pages_read_their_editions_from_the_replica(client):
    from lrs.publications.models import ListKind
    from lrs.publications.services import list_edition_publish

    make_organisation()
    list_edition_publish(actor=None, kind=ListKind.LEARNING_PROVIDERS)
    for url in ("/lists/", "/lists/learning-providers/"):
        with (
            CaptureQueriesContext(connections["replica"]) as on_replica,
            CaptureQueriesContext(connections["default"]) as on_primary,
        ):
            page = client.get(url)
        assert page.status_code == 200
        assert any('"publications_listedition"' in q["sql"] for q in on_replica.captured_queries)
        assert not any(
            '"publications_listedition"' in q["sql"] for q in on_primary.captured_queries
        )
