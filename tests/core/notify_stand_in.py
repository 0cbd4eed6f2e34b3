"""A local stand-in for the GOV.UK Notify API: records each request and answers as Notify
does, after checking the request's token is signed with the service's key."""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt

SERVICE_ID = "6f0e2c1a-6b1d-4c3e-9c1e-1d2b3c4d5e6f"
SECRET = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
API_KEY = f"lrs_test-{SERVICE_ID}-{SECRET}"


@dataclass
class Recorded:
    method: str
    path: str
    claims: dict[str, Any]
    body: dict[str, Any]


@dataclass
class NotifyStandIn:
    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    # Set to an HTTP status to answer every request with Notify's error shape instead.
    fail_with: int | None = None


def start() -> tuple[NotifyStandIn, ThreadingHTTPServer]:
    state = NotifyStandIn()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            try:
                claims = jwt.decode(token, SECRET, algorithms=["HS256"])
            except jwt.PyJWTError:
                self._answer(403, {"errors": [{"error": "AuthError", "message": "bad token"}]})
                return
            state.requests.append(Recorded("POST", self.path, claims, body))
            if state.fail_with:
                self._answer(
                    state.fail_with,
                    {"status_code": state.fail_with, "errors": [{"error": "BadRequestError"}]},
                )
                return
            self._answer(
                201,
                {
                    "id": str(uuid.uuid4()),
                    "reference": body.get("reference"),
                    "content": {"subject": "", "body": "", "from_email": "lrs@notify.test"},
                    "uri": f"{state.url}/v2/notifications/x",
                    "template": {"id": body.get("template_id"), "version": 1, "uri": ""},
                },
            )

        def _answer(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return state, server
