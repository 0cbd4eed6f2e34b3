from __future__ import annotations

from ninja import NinjaAPI

from lrs.api import errors
from lrs.api.docs import GovukDocs
from lrs.batches.api import router as batches_router
from lrs.challenges.api import router as challenges_router
from lrs.core.throttling import API_THROTTLE
from lrs.credentials.api import router as credentials_router
from lrs.learnerportal.api import router as learner_router
from lrs.learners.api import router as learners_router
from lrs.records.api import router as records_router
from lrs.users.api import router as users_router
from lrs.users.api_auth import BearerToken

api = NinjaAPI(
    title="Learning Records Service API",
    version="1",
    description=(
        "Find, register, update and verify learners; batch files; Personal Learning Records. "
        "Authenticate with a personal API token: `Authorization: Bearer lrs_…`. "
        "Personal data travels only in request bodies, never in URLs. Every error is JSON "
        "with a stable `code` and a readable `message`. Text may not contain the NUL "
        "character (\\u0000): a request holding it anywhere is refused with 400."
    ),
    urls_namespace="api",
    auth=BearerToken(),
    throttle=[API_THROTTLE],
    docs=GovukDocs(),
    parser=errors.ObjectBodyParser(),
)
errors.install(api)


def _register_routers() -> None:
    api.add_router("/", users_router)
    # Before the learners router, whose /learners/{uln} would capture this path.
    api.add_router("/", records_router)
    api.add_router("/", learners_router)
    api.add_router("/", batches_router)
    api.add_router("/", challenges_router)
    api.add_router("/", credentials_router)
    # A learner's own endpoints, with learner tokens only (its own auth).
    api.add_router("/", learner_router)


_register_routers()
