"""Completing the second factor in tests, as an authenticator app would."""

from __future__ import annotations

import time
from base64 import b32decode

from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from lrs.users.models import User

# A fixed key for users the tests enrol directly (base32, as apps take it).
TEST_KEY = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def enrol(user: User, key: str = TEST_KEY) -> TOTPDevice:
    """Give ``user`` a confirmed authenticator (skipping the set-up pages, tested apart)."""
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(
        user=user, name="Test authenticator", key=b32decode(key).hex(), confirmed=True
    )


def code_for_key(key_b32: str, *, step: int | None = None) -> str:
    return f"{hotp(b32decode(key_b32), step if step is not None else int(time.time()) // 30):06d}"


def next_code(user: User) -> str:
    """A code the user's authenticator accepts now. Each code works once: a user signing in
    twice within 30 seconds gets the next period's (within the allowed drift), or waits."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    now = int(time.time()) // device.step
    step = max(now, device.last_t + 1)
    while step > now + device.tolerance:
        time.sleep(1)
        now = int(time.time()) // device.step
    return f"{hotp(device.bin_key, step):06d}"
