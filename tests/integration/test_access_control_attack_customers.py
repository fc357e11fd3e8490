"""What a customer holds on the real services, attacked: the filing quota under every spelling
of the customer, a batch paying per item, the tracking token's one spelling and its death with
the erasure, and the progress page (issue #21, points 5, 6 and 7; #14, point 3;
platform_world, as in test_access_control_attack.py).
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest

from runtime.tracking import TrackingTokens
from tests.auth_tokens import Tokens, bearer
from tests.integration.platform_world import PHONE, TENANT, World
from tests.problems import reason

pytestmark = pytest.mark.integration

FILED = datetime(2026, 3, 2, tzinfo=UTC)



def test_after_the_quota_no_spelling_of_the_customer_is_filed(world: World):
    """Point 5: the quota (20 a day) counts `quota-cust-1` however it is spelled."""
    intake = world.clients["intake"]
    adapter = bearer(world.tokens.client(tenant=TENANT))

    def filing(customer_id: str, n: int) -> dict:
        return {"channel": "web", "customer": {"id": customer_id}, "subject": f"Quota {n}",
                "text": f"Complaint number {n} about the order {n * 7919} that never came."}

    filed = [intake.post("/v1/complaints", headers=adapter, json=filing("quota-cust-1", n))
             for n in range(20)]
    assert [f.status_code for f in filed] == [202] * 20
    stored = world.stored()
    refused = {"quota-cust-1 ": 429, "QUOTA-CUST-1": 429, "ｑuota-cust-1": 429,
               "Ｑｕｏｔａ－ｃｕｓｔ－１": 429, "\tquota-cust-1 ": 429, "quota-cust-1\u200b": 422,
               "quota\u200d-cust-1": 422, "\ufeffquota-cust-1": 422, "quota-cust-1\u2060": 422}
    answers = {variant: intake.post("/v1/complaints", headers=adapter,
                                    json=filing(variant, 100 + n)).status_code
               for n, variant in enumerate(refused)}
    assert answers == refused
    batch = intake.post("/v1/complaints:batch", headers=adapter, json={"items": [
        {"idempotency_key": f"q-{n}", "submission": filing(variant, 200 + n)}
        for n, variant in enumerate(refused)]})
    assert [r["status"] for r in batch.json()["results"]] == list(refused.values())
    assert world.stored() == stored


def test_a_batch_pays_per_item_on_intake(tmp_path):
    """Point 6: intake as bootstrap() builds it, with a rate limit of 10 requests."""
    from fastapi.testclient import TestClient

    from services.intake.bootstrap import bootstrap
    from services.intake.config import IntakeSettings

    tokens = Tokens(tmp_path / "auth")
    http, runtime = bootstrap(IntakeSettings(
        data_dir=tmp_path, tracking_secret="s", **{**tokens.settings, "rate_limit_per_s": 0.001},
        rate_limit_burst=10))
    try:
        client = TestClient(http, headers=bearer(tokens.client(tenant=TENANT)))

        def batch(count: int, start: int) -> dict:
            return {"items": [{"idempotency_key": f"b-{n}", "submission": {
                "channel": "web", "customer": {"id": f"batch-{n}"}, "subject": "s",
                "text": f"Complaint {n} about order {n * 7919}."}}
                for n in range(start, start + count)]}

        assert client.post("/v1/complaints:batch", json=batch(6, 0)).status_code == 200
        second = client.post("/v1/complaints:batch", json=batch(6, 6))
        assert second.status_code == 429
        assert int(second.headers["retry-after"]) >= 1
        assert client.post("/v1/complaints:batch", json=batch(11, 20)).status_code == 422
        filed = [n for n in runtime.app.recorder.select_notifications(None, 100)
                 if n.topic.endswith("Complaint.Received")]
        assert len(filed) == 6
    finally:
        runtime.app.close()


def test_a_tracking_token_has_one_spelling_and_dies_with_the_erasure(world: World):
    """Point 7: other spellings of a valid token find nothing; erasure revokes it."""
    intake = world.clients["intake"]
    adapter = bearer(world.tokens.client(tenant=TENANT))
    accepted = intake.post("/v1/complaints", headers=adapter, json={
        "channel": "web", "customer": {"id": "tracked-cust", "name": "王小明"},
        "subject": "Tracking", "text": "The washing machine leaks from the door seal."}).json()
    token = accepted["tracking_token"]
    assert intake.get(f"/v1/track/{token}").status_code == 200

    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    spellings = [token[:-1] + c for c in alphabet if c != token[-1]]
    spellings += [token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]
                  for i in range(len(token) - 1)]
    answers = Counter(intake.get(f"/v1/track/{t}").status_code for t in spellings)
    assert answers == {404: 63 + len(token) - 1}

    admin = bearer(world.tokens.token("administrator", tenant=TENANT))
    erased = intake.post("/v1/customers/TRACKED-CUST/erasure", headers=admin,
                         json={"reason": "customer_request"})
    assert erased.json() == {"customer_id": "tracked-cust", "recorded": True}
    revoked = intake.get(f"/v1/track/{token}")
    assert revoked.status_code == 410
    assert reason(revoked) == {"detail": "this tracking token was revoked: the customer's "
                                        "personal data has been erased"}


def test_progress_opens_only_with_a_valid_tracking_token_and_shows_nothing_of_staff(
    world: World,
):
    """#14, point 3: the customer's progress at resolution, by intake's tracking token."""
    resolution = world.clients["resolution"]
    complaint_id, department = next(iter(world.departments.items()))
    agent = bearer(world.tokens.token("agent", tenant=TENANT, departments=[department],
                                      sub="agent-progress"))
    note = resolution.post(f"/v1/cases/{complaint_id}/notes", headers=agent,
                           json={"text": f"Internal: customer on {PHONE}"})
    assert note.status_code == 201
    token = TrackingTokens(b"attack").issue(uuid.UUID(complaint_id), filed_at=FILED)
    rng = random.Random(14)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    made_up = [TrackingTokens(b"another key").issue(uuid.UUID(c), filed_at=FILED)
               for c in world.departments]
    made_up += [TrackingTokens(b"attack").issue(uuid.uuid4(), filed_at=FILED)[:-1] + "A"
                for _ in range(100)]
    while len(made_up) < 1_000:
        i = rng.randrange(len(token))
        altered = token[:i] + rng.choice(alphabet.replace(token[i], "")) + token[i + 1:]
        made_up.append(altered)

    answer = resolution.get(f"/v1/progress/{token}")
    answers = Counter(resolution.get(f"/v1/progress/{t}").status_code for t in made_up)

    assert (answer.status_code, answer.json()) == (200, {
        "stage": "assigned", "updates": [], "survey": None})
    assert answers == {404: 1_000}
