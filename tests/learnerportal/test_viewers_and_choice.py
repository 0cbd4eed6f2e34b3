"""Who has viewed the learner's record (the PLR audit the service desk reads, shares and
PDF checks), and the learner's own choice about sharing with organisations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lrs.audit.models import AuditEntry
from lrs.learnerportal import services
from lrs.learners.models import LearnerChange
from lrs.learners.services import LearnerError
from lrs.records.services import plr_get
from tests.portal.helpers import text_of

pytestmark = pytest.mark.django_db


def test_the_learner_sees_organisations_share_recipients_and_pdf_checks(
    learner_client, client, identity, olivia, olivia_events, provider_user
):
    plr_get(actor=provider_user, uln=olivia.uln, given_name="Olivia", family_name="Thornbury")
    share, code = services.share_create(
        identity=identity,
        recipient="Acme Ltd",
        expires_on=timezone.localdate() + dt.timedelta(days=3),
    )
    services.share_open(link_key=share.link_key, code=code)
    document, _ = services.plr_document_issue(learner=olivia, issued_through="learner")
    services.plr_document_check(reference=document.reference)
    text = text_of(learner_client.get("/learner/viewers/"))
    assert "Fenland College" in text
    assert "Looked at your record" in text
    assert "The person you shared with: Acme Ltd" in text
    assert "Checked the PDF" in text
    # Staff are not named: their organisation answers for them.
    assert provider_user.username not in text


def test_choosing_not_to_share_stops_organisations_seeing_events_until_a_notice_is_recorded(
    learner_client, identity, olivia, olivia_events, provider_user
):
    response = learner_client.post("/learner/sharing/", {"choice": "do_not_share"})
    assert response.status_code == 302
    olivia.refresh_from_db()
    assert olivia.ability_to_share == "2"
    change = LearnerChange.objects.filter(learner=olivia).latest("version_number")
    assert change.actor is None
    assert change.changes == {"ability_to_share": ["1", "2"]}
    assert AuditEntry.objects.filter(action="learner.ability_to_share").get().actor_username == (
        f"learner:{identity.pk}"
    )
    with pytest.raises(LearnerError) as refused:
        plr_get(actor=provider_user, uln=olivia.uln, given_name="Olivia", family_name="Thornbury")
    assert refused.value.response_code == "WSEC0206"
    # And the learner sees the refusal in who has viewed.
    assert "was refused" in text_of(learner_client.get("/learner/viewers/"))
    services.learner_choose_sharing(identity=identity, share=True)
    olivia.refresh_from_db()
    assert olivia.ability_to_share == "1"


def test_the_choice_page_explains_the_consequences(learner_client):
    text = text_of(learner_client.get("/learner/sharing/"))
    assert "If you say no" in text
    assert "show them your certificates" in text
