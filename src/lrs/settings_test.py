"""Settings for the test suite: production settings with a fixed key and fast hashing."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# A fixed credential signing key and public address for the tests (never a real one).
os.environ.setdefault("LRS_ISSUER_KEY", "z3u2fprgdREFtGakrHr6zLyTeTEZtivDVTV6gZDNB5GKsbXC")
os.environ.setdefault("LRS_ISSUER_URL", "https://lrs.test")

from lrs.settings import *  # noqa: F403
from lrs.settings import PASSWORD_HASHERS

# Argon2 stays first in production; in tests a fast hasher saves minutes. A dedicated
# test checks that production settings hash with Argon2.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Each test builds its own register: count its names afresh for every find.
LRS_MATCHING_STATS_SECONDS = 0.0
# Tests use the shipped parameters unless they make their own (never a developer's).
LRS_MATCHING_DIR = None  # type: ignore[assignment]
# Each test process its own counters: parallel test processes must not share rate limits.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# A file, not SQLite's shared-cache memory database: threads and worker processes in
# tests then see the same WAL and locking behaviour as production.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # One file per test run, so two runs in one checkout never share (or delete) it.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(DATA_DIR / f"test-lrs-{os.getpid()}.sqlite3")  # noqa: F405
    }
elif os.environ.get("LRS_TEST_DATABASE_NAME"):
    # Several checkouts sharing one PostgreSQL server each name their own test database.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["LRS_TEST_DATABASE_NAME"]}  # noqa: F405

# The read replica as the tests see it: the test database itself, under a second alias
# (a second connection, so it sees only committed rows, as a replica would). Routing to it
# stays off unless a test turns LRS_READ_REPLICA on (tests/core/test_replica.py), since a
# test wrapped in a transaction would not see its own rows through another connection.
if "replica" not in DATABASES:  # noqa: F405
    DATABASES["replica"] = {  # noqa: F405
        **DATABASES["default"],  # noqa: F405
        "TEST": {"MIRROR": "default"},
    }
LRS_READ_REPLICA = False
