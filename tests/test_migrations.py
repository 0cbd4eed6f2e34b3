from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = StringIO()
    # --check exits with status 1 when a model change has no migration yet.
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    assert out.getvalue().strip() == "No changes detected"
