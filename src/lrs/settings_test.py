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

# A file, not SQLite's shared-cache memory database: threads and worker processes in
# tests then see the same WAL and locking behaviour as production.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # One file per test run, so two runs in one checkout never share (or delete) it.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(DATA_DIR / f"test-lrs-{os.getpid()}.sqlite3")  # noqa: F405
    }
else:
    # "<name>_test", not Django's "test_<name>": the test database shares the prefix of
    # the one named in DATABASE_URL, so runs side by side on one server stay apart.
    DATABASES["default"]["TEST"] = {"NAME": f"{DATABASES['default']['NAME']}_test"}  # noqa: F405
