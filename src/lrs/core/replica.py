"""Reads that may be a second stale, sent to a read replica when one is configured.

``DATABASE_REPLICA_URL`` adds a ``replica`` database alias (settings). Nothing reads from it
unless three things hold at once:

* the request is one of ``LRS_REPLICA_ROUTES`` (find, PLR view, published lists,
  dashboards), which :class:`ReplicaRoutingMiddleware` marks by a context variable, or
  code runs inside :func:`stale_reads_allowed`;
* the model read is one of ``LRS_REPLICA_MODELS``: the register, records, published
  lists and the audit log. Users, tokens, sessions, organisations and access grants are
  always read from the primary, so a revoked token, a suspended organisation or a grant
  made a moment ago is never judged on a stale copy;
* no transaction is open on the primary and this client has not written lately.

Read-your-writes: a request that writes a replica-read model (a registration, an update;
not the audit entry or the access grant every find writes) reads the primary for the rest
of the request. Then the primary's WAL position after the write is kept for the client in
the shared cache (under a digest of its credential: the API token or the session cookie)
for ``LRS_REPLICA_PIN_SECONDS``; while it is kept, the client's routed reads go to the
replica only once the replica has replayed up to that position, and to the primary until
then. So the find that follows a registration sees the new learner, yet a client that
writes often is not kept off the replica when replication keeps up (it usually replays
within milliseconds). Where no position can be had (SQLite), the client is simply pinned to
the primary for those seconds.

Writes, and every read inside a transaction, go to the primary; migrations run only there.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"

_stale_ok: ContextVar[bool] = ContextVar("lrs_replica_stale_ok", default=False)
# Set by a write (of a replica-read model) or by the client's pin: read the primary.
_primary: ContextVar[bool] = ContextVar("lrs_replica_primary", default=False)
_wrote: ContextVar[bool] = ContextVar("lrs_replica_wrote", default=False)


def replica_enabled() -> bool:
    return bool(getattr(settings, "LRS_READ_REPLICA", False)) and REPLICA in settings.DATABASES


def _label(model: type[Any]) -> str:
    return model._meta.label_lower


def _is_write_that_pins(model: type[Any]) -> bool:
    label = _label(model)
    return (
        label in settings.LRS_REPLICA_MODELS
        and label not in settings.LRS_REPLICA_WRITES_THAT_DO_NOT_PIN
    )


@contextlib.contextmanager
def stale_reads_allowed() -> Iterator[None]:
    """Let reads in this block go to the replica (for code outside a routed request);
    a write in the block sends the block's later reads to the primary."""
    tokens = (_stale_ok.set(True), _wrote.set(False))
    try:
        yield
    finally:
        _wrote.reset(tokens[1])
        _stale_ok.reset(tokens[0])


@contextlib.contextmanager
def primary_only() -> Iterator[None]:
    """Read the primary in this block even where stale reads are allowed."""
    token = _primary.set(True)
    try:
        yield
    finally:
        _primary.reset(token)


def wrote_in_this_context() -> bool:
    return _wrote.get()


def read_alias(model: type[Any]) -> str:
    """The alias a read of ``model`` goes to now; for raw SQL (``connections[...]``)."""
    if (
        _stale_ok.get()
        and not _primary.get()
        and not _wrote.get()
        and replica_enabled()
        and _label(model) in settings.LRS_REPLICA_MODELS
        and not connections[DEFAULT_DB_ALIAS].in_atomic_block
    ):
        return REPLICA
    return DEFAULT_DB_ALIAS


class PrimaryReplicaRouter:
    """Django database router: see the module's docstring."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        return read_alias(model)

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        if not _wrote.get() and _is_write_that_pins(model):
            _wrote.set(True)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # One database seen two ways: an object read from the replica may be related to
        # one read from the primary.
        dbs = {obj1._state.db, obj2._state.db}
        if dbs <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        if db == REPLICA:
            return False
        return None


def _client_key(request: HttpRequest) -> str | None:
    credential = request.headers.get("Authorization") or request.COOKIES.get(
        settings.SESSION_COOKIE_NAME, ""
    )
    if not credential:
        return None
    # A digest, never the token or the session key itself, names the pin in the cache.
    return "lrs:replica-pin:" + hashlib.sha256(credential.encode()).hexdigest()[:32]


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.route if match is not None else ""


def _write_position() -> Any:
    """What a reader must have seen to see this client's writes (True: no position)."""
    primary = connections[DEFAULT_DB_ALIAS]
    if primary.vendor != "postgresql":
        return True
    with primary.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return cursor.fetchone()[0]


def _lsn(text: str) -> int:
    high, low = text.split("/")
    return int(high, 16) << 32 | int(low, 16)


# The furthest this process has seen the replica replay. Replay only moves forward, so a
# write at or before it is on the replica without asking again: a client that writes
# often costs one question per new write position, not one per read. (It takes
# DATABASE_REPLICA_URL to name one server, not a balancer over replicas at different
# positions.)
_replayed = 0


def replica_has_replayed(position: Any) -> bool:
    """Whether the replica has replayed the primary's WAL up to ``position``."""
    global _replayed
    if position is True or connections[REPLICA].vendor != "postgresql":
        return False
    wanted = _lsn(position)
    if wanted <= _replayed:
        return True
    with connections[REPLICA].cursor() as cursor:
        # A server that is not a standby (a test's mirror) has no replay position: it is
        # the primary itself, always up to date with its own WAL.
        cursor.execute("SELECT COALESCE(pg_last_wal_replay_lsn(), pg_current_wal_lsn())::text")
        _replayed = max(_replayed, _lsn(cursor.fetchone()[0]))
    return wanted <= _replayed


class ReplicaRoutingMiddleware:
    """Marks the routed reads of a request; pins a client to the primary after a write."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replica_enabled():
            return self.get_response(request)
        tokens = (_stale_ok.set(False), _primary.set(False), _wrote.set(False))
        try:
            response = self.get_response(request)
            if _wrote.get():
                key = _client_key(request)
                if key is not None:
                    cache.set(key, _write_position(), timeout=settings.LRS_REPLICA_PIN_SECONDS)
            return response
        finally:
            _wrote.reset(tokens[2])
            _primary.reset(tokens[1])
            _stale_ok.reset(tokens[0])

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if not replica_enabled() or _route(request) not in settings.LRS_REPLICA_ROUTES:
            return None
        key = _client_key(request)
        position = cache.get(key) if key is not None else None
        if position is not None and not replica_has_replayed(position):
            _primary.set(True)
        _stale_ok.set(True)
        return None
