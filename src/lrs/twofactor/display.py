"""How an authenticator being set up is shown: its key as text and as a QR code."""

from __future__ import annotations

import io
from base64 import b32encode

import segno
from django_otp.plugins.otp_totp.models import TOTPDevice


def secret_for_display(device: TOTPDevice) -> str:
    """The key as people type it into an authenticator app: base32, in groups of four."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_code_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an SVG QR code (inline, no request to anyone)."""
    buffer = io.BytesIO()
    segno.make(device.config_url, error="m").save(
        buffer, kind="svg", scale=4, border=2, xmldecl=False, svgns=True, title=None
    )
    # Decorative to a screen reader: the key is on the page as text beside it.
    return (
        buffer.getvalue().decode().replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)
    )
