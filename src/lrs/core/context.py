"""Where the current request came from, for the audit log.

Services take the acting user explicitly; the request id, client address and channel are
ambient facts of the call, kept in a context variable so every audit entry written while
handling a request carries them without threading them through every signature.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class CallContext:
    request_id: str
    channel: str  # portal, api, cli, worker, soap
    ip_address: str | None = None


_current: ContextVar[CallContext | None] = ContextVar("lrs_call_context", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current() -> CallContext:
    ctx = _current.get()
    if ctx is None:
        # Code run outside a request (a shell, a test) still gets a traceable id.
        return CallContext(request_id=new_request_id(), channel="internal")
    return ctx


@contextlib.contextmanager
def call_context(
    *, channel: str, ip_address: str | None = None, request_id: str | None = None
) -> Iterator[CallContext]:
    ctx = CallContext(
        request_id=request_id or new_request_id(), channel=channel, ip_address=ip_address
    )
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def set_channel(channel: str) -> None:
    """Refine the channel once routing knows it (e.g. the API under /api/)."""
    ctx = _current.get()
    if ctx is not None:
        _current.set(replace(ctx, channel=channel))
