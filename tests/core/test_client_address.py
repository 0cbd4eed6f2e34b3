"""The client address the audit log records, with and without a proxy in front."""

from django.test import RequestFactory

from lrs.core.middleware import client_ip


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_with_no_proxy_configured_x_forwarded_for_is_ignored(settings):
    settings.LRS_TRUSTED_PROXIES = []
    settings.LRS_TRUST_X_FORWARDED_FOR = False
    assert client_ip(_request("198.51.100.7", "203.0.113.9")) == "198.51.100.7"


def test_from_a_trusted_proxy_the_address_it_appended_is_the_client(settings):
    settings.LRS_TRUSTED_PROXIES = ["10.0.0.5"]
    settings.LRS_TRUST_X_FORWARDED_FOR = False
    # The client sent a made-up address first; the proxy appended the one it saw.
    assert client_ip(_request("10.0.0.5", "192.0.2.66, 203.0.113.9")) == "203.0.113.9"


def test_a_client_that_is_not_the_trusted_proxy_cannot_name_another_address(settings):
    settings.LRS_TRUSTED_PROXIES = ["10.0.0.5"]
    settings.LRS_TRUST_X_FORWARDED_FOR = False
    assert client_ip(_request("198.51.100.7", "203.0.113.9")) == "198.51.100.7"
