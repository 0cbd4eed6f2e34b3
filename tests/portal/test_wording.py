"""Words people read: no "(s)", no "1 new learners", no "a view learner only", one way
of writing a moment, and sign-in text that fits everyone who signs in."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from lrs.access import Role
from lrs.batches.models import Batch, BatchKind
from lrs.batches.services import DuplicateFile, batch_submit
from lrs.batches.views import _count_rows
from lrs.batchfiles.validation import counted
from lrs.core.text import govuk_datetime_text, with_article
from tests.factories import batch_record, batch_upload, make_organisation, make_user
from tests.portal.helpers import text_of


@pytest.mark.parametrize(
    ("role", "phrase"),
    [
        ("super user", "a super user"),
        ("online user", "an online user"),
        ("awarding organisation user", "an awarding organisation user"),
        (
            "view learner only",
            "a \N{LEFT DOUBLE QUOTATION MARK}view learner only\N{RIGHT DOUBLE QUOTATION MARK} user",
        ),
    ],
)
def test_a_role_is_named_with_the_right_article(role, phrase):
    assert with_article(role) == phrase


def test_counts_agree_with_their_nouns():
    assert counted(1, "record") == "1 record"
    assert counted(2, "record") == "2 records"
    assert counted(1200, "learner record") == "1,200 learner records"


def test_a_batch_lists_its_counts_in_words_that_agree_with_them():
    batch = Batch(kind=BatchKind.REGISTRATION, new_learners=1, existing_learners=2, rejected=1)
    phrases = [row["phrase"] for row in _count_rows(batch) if row["value"]]
    assert phrases == ["1 new learner", "2 existing or updated learners", "1 rejected"]


def test_moments_are_written_one_way_everywhere():
    moment = dt.datetime(2026, 3, 5, 14, 15, tzinfo=dt.UTC)
    assert govuk_datetime_text(moment) == "5 March 2026 at 2:15pm"


@pytest.mark.django_db
def test_a_repeated_file_names_the_earlier_upload_the_govuk_way(settings, tmp_path):
    settings.LRS_UPLOADS_DIR = tmp_path
    batch_user = make_user(make_organisation(), Role.BATCH_USER)
    ukprn = batch_user.organisation.ukprn
    first = batch_submit(actor=batch_user, upload=batch_upload(ukprn, [batch_record(2)]))
    with pytest.raises(DuplicateFile) as refused:
        batch_submit(actor=batch_user, upload=batch_upload(ukprn, [batch_record(2)]))
    when = govuk_datetime_text(first.created_at)
    assert f"already uploaded on {when} as" in refused.value.message
    assert not re.search(r"on 0\d ", refused.value.message)
    assert timezone.is_aware(first.created_at)


@pytest.mark.django_db
def test_the_sign_in_page_does_not_assume_a_super_user_gave_the_password(client):
    text = text_of(client.get("/sign-in"))
    assert "Sign in with your LRS username and password." in text
    assert "super user gave you" not in text
