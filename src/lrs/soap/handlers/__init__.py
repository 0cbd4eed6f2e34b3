"""One handler per SOAP operation.

A handler takes the request dataclass that lrs.soapwire read (``read_request``) and the
authenticated user, calls the project's services and selectors, and returns the
response bytes from the lrs.soapwire writer. It holds no business rule of its own.
Refusals the wire answers as faults are raised as lrs.soapwire.faults.SoapFault;
service errors are translated by the view (lrs.soap.views).

Each module exposes ``HANDLERS: dict[str, Handler]`` keyed by the operation's body
element local name (e.g. "FindLearnerByDemographics").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lrs.users.models import User

Handler = Callable[[Any, User], bytes]
