"""A local stand-in for DfE Sign-in's public API (no network): checks each request's
bearer JWT as DfE Sign-in does (HS256 with the service's API secret, ``iss`` the client
id, ``aud`` signin.education.gov.uk, not expired), records it, and answers the roles of
a person at an organisation as the API does, 404 when they have no access there."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

import jwt

SERVICE_ID = "7c1d8e2a-5b3f-4a6e-9d0c-2e4f6a8b0c1d"
SECRET = "a-test-api-secret-which-is-not-the-client-secret"
AUDIENCE = "signin.education.gov.uk"


@dataclass
class Recorded:
    path: str
    claims: dict[str, Any]


@dataclass
class RolesApiStandIn:
    client_id: str
    url: str = ""
    # (organisation id, user id) -> role codes.
    roles: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    refused_tokens: list[str] = field(default_factory=list)
    # Set to an HTTP status to answer every request with it instead.
    fail_with: int | None = None
    # Seconds to wait before answering (to outlast LRS's timeout).
    delay: float = 0.0
    # Set to answer about this organisation whatever was asked (a confused answer).
    answer_organisation_id: str | None = None

    def grant(self, *, organisation_id: str, user_id: str, codes: list[str]) -> None:
        self.roles[(organisation_id, user_id)] = codes


def start(*, client_id: str) -> tuple[RolesApiStandIn, ThreadingHTTPServer]:
    state = RolesApiStandIn(client_id=client_id)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            try:
                claims = jwt.decode(
                    token,
                    SECRET,
                    algorithms=["HS256"],
                    audience=AUDIENCE,
                    issuer=state.client_id,
                    options={"require": ["exp", "iss", "aud"]},
                )
            except jwt.PyJWTError as exc:
                state.refused_tokens.append(str(exc))
                self._answer(401, {"error": "unauthorized"})
                return
            state.requests.append(Recorded(self.path, claims))
            if state.delay:
                time.sleep(state.delay)
            if state.fail_with:
                self._answer(state.fail_with, {"error": "stand-in failure"})
                return
            parts = [unquote(part) for part in self.path.strip("/").split("/")]
            if len(parts) != 6 or parts[0::2] != ["services", "organisations", "users"]:
                self._answer(404, {})
                return
            service_id, organisation_id, user_id = parts[1::2]
            codes = state.roles.get((organisation_id, user_id))
            if service_id != SERVICE_ID or codes is None:
                self._answer(404, {})
                return
            self._answer(
                200,
                {
                    "userId": user_id,
                    "serviceId": service_id,
                    "organisationId": state.answer_organisation_id or organisation_id,
                    "roles": [
                        {
                            "id": f"role-{n}",
                            "name": code.replace("_", " ").title(),
                            "code": code,
                            "numericId": str(1000 + n),
                            "status": {"id": 1},
                        }
                        for n, code in enumerate(codes)
                    ],
                    "identifiers": [],
                },
            )

        def _answer(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # LRS gave up waiting (the timeout test)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return state, server


@contextlib.contextmanager
def configured(settings: Any, *, client_id: str) -> Iterator[RolesApiStandIn]:
    """The stand-in running, with LRS's settings pointing at it, until the block ends."""
    state, server = start(client_id=client_id)
    settings.LRS_DFE_SIGN_IN_API_URL = state.url
    settings.LRS_DFE_SIGN_IN_API_SECRET = SECRET
    settings.LRS_DFE_SIGN_IN_SERVICE_ID = SERVICE_ID
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
