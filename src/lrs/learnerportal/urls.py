"""The learner's pages and their public companions, in the "learner" namespace. Learner
pages live under /learner/; what a share's recipient, a PDF's holder or someone without
One Login uses is public. Only opaque ids appear in these paths, never a ULN."""

from django.urls import path

from lrs.learnerportal import views, views_credentials

app_name = "learner"

urlpatterns = [
    path("learner/sign-in", views.sign_in, name="sign-in"),
    path("learner/sign-in/start", views.sign_in_start, name="sign-in-start"),
    path("learner/sign-in/callback", views.sign_in_callback, name="sign-in-callback"),
    path("learner/no-record", views.not_found, name="not-found"),
    path("learner/sign-out", views.sign_out, name="sign-out"),
    path("learner/signed-out", views.signed_out, name="signed-out"),
    path("learner/", views.home, name="home"),
    path("learner/record/", views.record, name="record"),
    path("learner/record/pdf", views.record_pdf, name="record-pdf"),
    path("learner/credentials/", views_credentials.credentials, name="credentials"),
    path("learner/credentials/new", views_credentials.credential_new, name="credential-new"),
    path(
        "learner/credentials/<uuid:public_id>/download",
        views_credentials.credential_download,
        name="credential-download",
    ),
    path("learner/shares/", views.shares, name="shares"),
    path("learner/shares/new", views.share_new, name="share-new"),
    path("learner/shares/<uuid:public_id>/", views.share_detail, name="share"),
    path("learner/shares/<uuid:public_id>/end", views.share_revoke, name="share-revoke"),
    path("learner/viewers/", views.viewers, name="viewers"),
    path("learner/sharing/", views.sharing_choice, name="sharing-choice"),
    path("learner/reports/", views.reports, name="reports"),
    path("learner/reports/event/<uuid:event_id>", views.report_event, name="report-event"),
    path("learner/reports/details", views.report_details, name="report-details"),
    path("learner/reports/<str:reference>/", views.report_detail, name="report"),
    path("learner/apps/", views.tokens, name="tokens"),
    path("learner/apps/new", views.token_new, name="token-new"),
    path("learner/apps/<int:token_id>/revoke", views.token_revoke, name="token-revoke"),
    # Public
    path("shared/<str:link_key>/", views.share_open, name="share-open"),
    path(
        "shared/<str:link_key>/credential",
        views_credentials.share_credential,
        name="share-credential",
    ),
    path("check/", views.check, name="check"),
    path("request-a-copy/", views.paper_request, name="paper-request"),
    path("request-a-copy/sent", views.paper_request_sent, name="paper-request-sent"),
    path("copy/<str:token>/", views.paper_copy, name="paper-copy"),
]
