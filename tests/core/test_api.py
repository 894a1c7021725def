"""The API skeleton: bearer tokens, one error shape, pagination, Idempotency-Key."""

from __future__ import annotations

import pytest

from kefu.core.models import AuditEntry, IdempotencyRecord
from kefu.core.tokens import create_token, revoke_token
from kefu.customers.models import Customer
from tests.conftest import ApiClient, assert_error

pytestmark = pytest.mark.django_db

NEW_CUSTOMER = {"name": "王小雨", "phones": ["138 1234 5678"], "language": "zh-hans"}


def test_anonymous_caller_gets_401_in_the_error_shape(api_as):
    assert_error(api_as(None).get("/customers"), 401, "unauthorized")


def test_unknown_or_revoked_token_gets_401(agent):
    assert_error(ApiClient("kefu_not-a-real-token").get("/me"), 401)
    raw = create_token(actor=None, user=agent)
    assert ApiClient(raw).get("/me").status_code == 200
    revoke_token(actor=None, token=agent.api_tokens.get())
    assert_error(ApiClient(raw).get("/me"), 401)


def test_token_of_a_deactivated_user_stops_working(agent):
    raw = create_token(actor=None, user=agent)
    agent.is_active = False
    agent.save()
    assert_error(ApiClient(raw).get("/me"), 401)


def test_only_a_digest_of_the_token_is_stored(agent):
    raw = create_token(actor=None, user=agent)
    token = agent.api_tokens.get()
    assert raw not in (token.digest, token.prefix)
    assert token.digest == token.digest_of(raw)


def test_role_without_the_capability_gets_403(api_as, warehouse):
    error = assert_error(api_as(warehouse).post("/customers", NEW_CUSTOMER), 403, "forbidden")
    assert "customers.edit" in error["message"]
    assert not Customer.objects.exists()


def test_invalid_body_gets_422_naming_the_field(api_as, agent):
    error = assert_error(api_as(agent).post("/customers", {"name": ""}), 422, "validation_error")
    assert "name" in error["fields"]


def test_service_validation_names_the_field(api_as, agent):
    response = api_as(agent).post("/customers", {"name": "Kim", "phones": ["abc"]})
    error = assert_error(response, 400, "validation_error")
    assert "phones" in error["fields"]
    assert not Customer.objects.exists()


def test_malformed_json_gets_a_4xx_not_a_crash(agent):
    client = ApiClient(create_token(actor=None, user=agent))
    response = client.client.post(
        "/api/v1/customers",
        "{not json",
        content_type="application/json",
        headers=client._headers({}),
    )
    assert 400 <= response.status_code < 500


def test_unknown_id_gets_404(api_as, agent):
    assert_error(api_as(agent).get("/customers/999999"), 404, "not_found")


def test_create_is_audited_with_actor_and_request_id(api_as, agent):
    response = api_as(agent).post("/customers", NEW_CUSTOMER, headers={"X-Request-ID": "req-42"})
    assert response.status_code == 201
    entry = AuditEntry.objects.get(action="customer.create")
    assert entry.actor == agent
    assert entry.object_id == str(response.json()["id"])
    assert entry.request_id == "req-42"
    assert response["X-Request-ID"] == "req-42"


def test_same_idempotency_key_and_body_returns_the_first_answer_and_creates_nothing(api_as, agent):
    client = api_as(agent)
    first = client.post("/customers", NEW_CUSTOMER, idempotency_key="k-1")
    again = client.post("/customers", NEW_CUSTOMER, idempotency_key="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Customer.objects.count() == 1


def test_same_idempotency_key_with_another_body_is_409(api_as, agent):
    client = api_as(agent)
    client.post("/customers", NEW_CUSTOMER, idempotency_key="k-2")
    other = client.post("/customers", {**NEW_CUSTOMER, "name": "李雷"}, idempotency_key="k-2")
    assert_error(other, 409, "idempotency_key_reused")
    assert Customer.objects.count() == 1


def test_idempotency_keys_belong_to_one_user(api_as, agent, lead):
    api_as(agent).post("/customers", NEW_CUSTOMER, idempotency_key="shared")
    assert (
        api_as(lead).post("/customers", NEW_CUSTOMER, idempotency_key="shared").status_code == 201
    )
    assert Customer.objects.count() == 2


def test_a_refused_request_is_replayed_too_and_never_runs_twice(api_as, agent):
    client = api_as(agent)
    bad = {"name": "x", "phones": ["abc"]}
    assert client.post("/customers", bad, idempotency_key="k-3").status_code == 400
    assert client.post("/customers", bad, idempotency_key="k-3")["Idempotent-Replayed"] == "true"


def test_request_still_running_with_the_key_is_409(api_as, agent):
    IdempotencyRecord.objects.create(
        user=agent, key="busy", method="POST", path="/api/v1/customers", body_digest="x"
    )
    assert_error(api_as(agent).post("/customers", NEW_CUSTOMER, idempotency_key="busy"), 409)


def test_overlong_idempotency_key_is_400(api_as, agent):
    assert_error(api_as(agent).post("/customers", NEW_CUSTOMER, idempotency_key="k" * 300), 400)


def test_pages_follow_the_cursor_without_gaps_or_repeats(api_as, agent):
    client = api_as(agent)
    for i in range(7):
        client.post("/customers", {"name": f"客户{i}"})
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get("/customers", params).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen, reverse=True) == seen
    assert len(seen) == len(set(seen)) == 7


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 10_000}, {"cursor": "%%%"}])
def test_bad_page_parameters_get_a_clear_400(api_as, agent, params):
    assert_error(api_as(agent).get("/customers", params), 400)


def test_openapi_document_is_served(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["components"]["securitySchemes"]
    assert "/api/v1/customers" in doc["paths"]


def test_text_with_a_nul_character_is_refused_clearly_on_every_database(api_as, agent):
    error = assert_error(
        api_as(agent).post("/customers", {"name": "a\u0000b"}), 400, "validation_error"
    )
    assert "NUL" in error["message"] and "name" in error["fields"]
    assert_error(api_as(agent).get("/customers", {"cursor": "a\x00"}), 400, "validation_error")
    assert not Customer.objects.exists()
