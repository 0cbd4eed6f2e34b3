"""The local OpenID Connect provider (scripts/oidc-provider.mjs, panva's oidc-provider
on Node) for the tests: started once per session on a free port, and the people it can
sign in as, written per test."""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from django.test import Client

from lrs.oidc.local import (
    LocalProviderFiles,
    local_provider_files,
    one_login_settings,
    start_local_provider,
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def person(
    person_id: str,
    *,
    given: list[str],
    family: str,
    born: str,
    postcodes: list[str],
    previous_families: list[str] = (),  # type: ignore[assignment]
    email: str = "learner@example.com",
    label: str = "",
) -> dict[str, Any]:
    """A demo person as the provider's identities file holds them: current address first,
    the others as previous addresses."""
    names: list[dict[str, Any]] = [{"given": given, "family": family}]
    names += [{"given": given, "family": f, "validUntil": "2020-01-01"} for f in previous_families]
    addresses = [{"postalCode": postcodes[0], "validFrom": "2022-01-01"}] if postcodes else []
    addresses += [
        {"postalCode": code, "validUntil": f"20{21 - i:02d}-12-31"}
        for i, code in enumerate(postcodes[1:])
    ]
    return {
        "id": person_id,
        "label": label or f"{' '.join(given)} {family}",
        "email": email,
        "names": names,
        "birth_date": born,
        "addresses": addresses,
    }


def person_from(values: Mapping[str, Any], person_id: str, **overrides: Any) -> dict[str, Any]:
    """A person whose proven identity is exactly a learner's registered details."""
    return person(
        person_id,
        given=[values["given_name"]],
        family=values["family_name"],
        born=str(values["date_of_birth"]),
        postcodes=[values["last_known_postcode"]],
        **overrides,
    )


@dataclass
class LocalProvider:
    files: LocalProviderFiles
    process: subprocess.Popen

    @property
    def issuer(self) -> str:
        return self.files.issuer

    def settings(self) -> dict[str, Any]:
        return one_login_settings(self.files)

    def people(self, people: list[dict[str, Any]]) -> None:
        self.files.identities.write_text(json.dumps(people), encoding="utf-8")


@contextmanager
def running_provider(directory: Path, portal_urls: list[str]) -> Iterator[LocalProvider]:
    files = local_provider_files(
        directory, port=free_port(), portal_urls=portal_urls, identities=[]
    )
    process = start_local_provider(files)
    try:
        yield LocalProvider(files, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def sign_in_with_test_client(
    client: Client,
    provider: LocalProvider,
    person_id: str,
    *,
    cancel: bool = False,
    start: str = "/learner/sign-in/start",
) -> Any:
    """The whole authorization code flow, begun by posting to ``start``: the test client
    is the browser on LRS's side, ``requests`` on the provider's; returns LRS's response
    to the callback."""
    response = client.post(start)
    assert response.status_code == 302, response.content[:500]
    url = response["Location"]
    assert url.startswith(provider.issuer)
    browser = requests.Session()
    for _ in range(20):
        answer = browser.get(url, allow_redirects=False, timeout=10)
        if answer.status_code == 200 and "/interaction/" in url:
            uid = urlsplit(url).path.split("/")[2]
            action = "abort" if cancel else "login"
            answer = browser.post(
                urljoin(provider.issuer, f"/interaction/{uid}/{action}"),
                data={"identity": person_id},
                allow_redirects=False,
                timeout=10,
            )
        assert answer.status_code in (302, 303), (answer.status_code, answer.text[:500])
        url = urljoin(url, answer.headers["Location"])
        if url.startswith("http://testserver/"):
            parts = urlsplit(url)
            return client.get(f"{parts.path}?{parts.query}")
    raise AssertionError("the provider never sent the browser back to LRS")
