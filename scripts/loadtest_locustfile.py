"""The mixed workload that scripts/loadtest.py runs through locust against the REST API.

Each simulated user is an MIS client sending its next request as soon as the last one is
answered: finds 70%, PLR views 20%, registrations 5%, updates 5%. What it sends comes from
the JSON file named by LRS_LOADTEST_DATA, which scripts/loadtest.py writes before each run.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from typing import Any

from locust import FastHttpUser, constant, task

with open(os.environ["LRS_LOADTEST_DATA"], encoding="utf-8") as _file:
    DATA: dict[str, Any] = json.load(_file)

_user_numbers = itertools.count()
_registrations = iter(DATA["register"])
_edits = itertools.count()


class MisClient(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        # Each user updates its own learners, so no two users race for one version.
        number = next(_user_numbers) % DATA["users"]
        # One MIS client a token when there are several (--tokens).
        tokens = DATA.get("tokens") or [DATA["token"]]
        self.headers = {"Authorization": f"Bearer {tokens[number % len(tokens)]}"}
        self.to_update = DATA["update"][number :: DATA["users"]]
        self.rng = random.Random(number)

    @task(70)
    def find(self) -> None:
        self.client.post(
            "/api/v1/learners/search",
            json=self.rng.choice(DATA["find"]),
            headers=self.headers,
            name="find",
        )

    @task(20)
    def plr_view(self) -> None:
        learner = self.rng.choice(DATA["plr"])
        self.client.post(
            "/api/v1/learners/learning-events",
            json={**learner, "detail": "FULL"},
            headers=self.headers,
            name="PLR view",
        )

    @task(5)
    def register(self) -> None:
        person = next(_registrations, None)
        if person is None:  # every prepared person registered (loadtest.py prepares plenty)
            return
        with self.client.post(
            "/api/v1/learners",
            json={**person, "confirm_new_learner": True, "confirmation_reason": "Load test"},
            headers=self.headers,
            name="register",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"status {response.status_code}: {response.text[:200]}")

    @task(5)
    def update(self) -> None:
        if not self.to_update:
            return
        learner = self.rng.choice(self.to_update)
        with self.client.request(
            "PATCH",
            f"/api/v1/learners/{learner['uln']}",
            json={
                "version_number": learner["version_number"],
                "email_address": f"load{next(_edits)}@example.com",
            },
            headers=self.headers,
            name="update",
            catch_response=True,
        ) as response:
            if response.status_code == 200:
                learner["version_number"] = response.json()["learner"]["version_number"]
            else:
                response.failure(f"status {response.status_code}: {response.text[:200]}")
