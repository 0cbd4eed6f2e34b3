"""The local OpenID Connect provider that stands in for GOV.UK One Login in the demo and
the tests: panva's oidc-provider on Node (scripts/oidc-provider.mjs), configured here.

``local_provider_files`` writes its configuration and a key pair for LRS as its client;
``start_local_provider`` runs it and waits until it answers; ``one_login_settings`` is
what ``LRS_OIDC_PROVIDERS["one_login"]`` must hold to sign in through it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from joserfc.jwk import RSAKey

from lrs.oidc.profiles import dfe_sign_in_provider, one_login_provider

PROJECT_DIR = Path(__file__).resolve().parents[3]
SCRIPT = PROJECT_DIR / "scripts" / "oidc-provider.mjs"
LOCAL_CLIENT_ID = "lrs-local"
CALLBACK_PATH = "/learner/sign-in/callback"
# The same local provider stands in for DfE Sign-in (organisation users).
DFE_CALLBACK_PATH = "/sign-in/dfe/callback"
SIGNED_OUT_PATH = "/learner/signed-out"


@dataclass(frozen=True)
class LocalProviderFiles:
    issuer: str
    config: Path
    identities: Path
    client_key: Path


def local_provider_files(
    directory: Path,
    *,
    port: int,
    portal_urls: Iterable[str],
    identities: Sequence[Mapping[str, Any]],
    host: str = "127.0.0.1",
) -> LocalProviderFiles:
    """Write the provider's configuration, the demo people and LRS's client key (kept
    if it exists, so a running LRS keeps working when the provider restarts)."""
    directory.mkdir(parents=True, exist_ok=True)
    key_path = directory / "client-key.pem"
    if not key_path.exists():
        key = RSAKey.generate_key(2048, private=True)
        key_path.write_bytes(key.as_pem(private=True))
        key_path.chmod(0o600)
    public = RSAKey.import_key(key_path.read_bytes()).as_dict(private=False)
    public.update({"use": "sig", "alg": "RS256", "kid": "lrs-client-key"})
    bases = [url.rstrip("/") for url in portal_urls]
    issuer = f"http://{host}:{port}"
    identities_path = directory / "identities.json"
    identities_path.write_text(json.dumps(list(identities), indent=2), encoding="utf-8")
    config_path = directory / "provider.json"
    config_path.write_text(
        json.dumps(
            {
                "host": host,
                "port": port,
                "issuer": issuer,
                "identities_file": str(identities_path),
                "clients": [
                    {
                        "client_id": LOCAL_CLIENT_ID,
                        "redirect_uris": [
                            base + path
                            for base in bases
                            for path in (CALLBACK_PATH, DFE_CALLBACK_PATH)
                        ],
                        "post_logout_redirect_uris": [base + SIGNED_OUT_PATH for base in bases],
                        "jwks": {"keys": [public]},
                    }
                ],
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return LocalProviderFiles(issuer, config_path, identities_path, key_path)


def one_login_settings(files: LocalProviderFiles) -> dict[str, Any]:
    """``LRS_OIDC_PROVIDERS["one_login"]`` for the local provider."""
    return one_login_provider(
        issuer=files.issuer,
        client_id=LOCAL_CLIENT_ID,
        private_key=files.client_key.read_text(encoding="utf-8"),
        identity_issuer=f"{files.issuer}/identity/",
        identity_did_url=f"{files.issuer}/.well-known/did.json",
    )


def dfe_sign_in_settings(files: LocalProviderFiles) -> dict[str, Any]:
    """``LRS_OIDC_PROVIDERS["dfe_sign_in"]`` for the local provider."""
    return dfe_sign_in_provider(
        issuer=files.issuer,
        client_id=LOCAL_CLIENT_ID,
        private_key=files.client_key.read_text(encoding="utf-8"),
        scopes="openid email profile organisation",
    )


def start_local_provider(files: LocalProviderFiles, *, timeout: float = 30.0) -> subprocess.Popen:
    """Run the provider; returns once its discovery document answers."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("The local OIDC provider needs Node.js (node on the PATH)")
    log_path = files.config.with_name("provider.log")
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
            [node, str(SCRIPT), str(files.config)],
            cwd=PROJECT_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "NODE_ENV": "development"},
        )
    deadline = time.monotonic() + timeout
    url = f"{files.issuer}/.well-known/openid-configuration"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise RuntimeError(f"The local OIDC provider stopped: {error}")
        try:
            if requests.get(url, timeout=1).ok:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"The local OIDC provider did not answer at {url}")
