"""A Content-Security-Policy on every answer: scripts only from LRS or with the request's
nonce, never inline by default, and no template relying on what the policy refuses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "lrs"
PAGES = ["/", "/guidance/", "/api/v1/docs", "/learner/sign-in", "/no-such-page/"]


def _directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize("path", [*PAGES, "/api/v1/openapi.json"])
def test_every_answer_has_a_content_security_policy_refusing_inline_scripts(client, path):
    response = client.get(path, follow=False)
    policy = _directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"][0] == "'self'"
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]


@pytest.mark.parametrize("path", PAGES)
def test_every_inline_script_on_a_page_carries_the_nonce_of_its_answer(client, path):
    response = client.get(path, follow=True)
    html = response.content.decode()
    scripts = re.findall(r"<script\b([^>]*)>", html)
    inline = [attrs for attrs in scripts if "src=" not in attrs]
    assert inline, "the layout's GOV.UK Frontend initialisation is an inline module"
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    assert nonce, "a page with an inline script must send its nonce in the policy"
    for attrs in inline:
        assert f'nonce="{nonce.group(1)}"' in attrs


def test_each_answer_has_its_own_nonce(client):
    first = client.get("/guidance/")["Content-Security-Policy"]
    second = client.get("/guidance/")["Content-Security-Policy"]
    assert re.search(r"'nonce-[^']+'", first)
    assert first != second


# An inline event handler (onclick="…"), a style="…" attribute, a <style> element or a
# javascript: address would be refused by the policy in the browser.
_REFUSED = re.compile(r"""<[a-z][^>]*\s(on[a-z]+|style)\s*=|<style\b|javascript:""", re.IGNORECASE)
# Rendered to PDF by WeasyPrint on the server, never served to a browser.
_NOT_SERVED = {"learnerportal/templates/learnerportal/plr_pdf.html"}


def test_no_template_relies_on_inline_handlers_styles_or_unnonced_scripts():
    offences = []
    for template in sorted(SRC.glob("**/templates/**/*.html")):
        name = template.relative_to(SRC).as_posix()
        if name in _NOT_SERVED:
            continue
        text = template.read_text(encoding="utf-8")
        offences += [f"{name}: {m.group(0)[:60]}" for m in _REFUSED.finditer(text)]
        for attrs in re.findall(r"<script\b([^>]*)>", text):
            if "src=" not in attrs and "nonce=" not in attrs:
                offences.append(f"{name}: inline <script{attrs}> without a nonce")
    assert not offences, "\n".join(offences)
