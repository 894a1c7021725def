"""/api/v1/customers: list with filters and q, create, read, update, merge and reverse,
assign, balance, duplicates, timeline, notes — and who may call what."""

from __future__ import annotations

import pytest

from kefu.customers import services
from kefu.customers.models import Customer, MergeRecord
from kefu.orders.models import Order
from tests.conftest import assert_error
from tests.factories import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def wang(new_customer, shop):
    return new_customer(
        "王芳",
        phones=["+86 138 1234 5678"],
        emails=["wf@example.com"],
        identities=[(shop.pk, "tb_wangfang")],
        tags=["老客户"],
    )


def test_anonymous_gets_401(api_as, wang):
    api = api_as(None)
    assert_error(api.get("/customers"), 401, "unauthorized")
    assert_error(api.get(f"/customers/{wang.pk}"), 401)
    assert_error(api.post("/customers", {"name": "x"}), 401)


def test_create_read_and_list(api_as, agent, shop, definitions):
    api = api_as(agent)
    response = api.post(
        "/customers",
        {
            "name": "김민준",
            "language": "ko",
            "phones": ["010-9876-5432"],
            "emails": ["minjun@example.kr"],
            "identities": [{"shop_id": shop.pk, "external_id": "coupang_mj88"}],
            "addresses": [{"line": "강남대로 1", "city": "서울", "country": "kr"}],
            "tags": ["단골"],
            "attributes": {"height_cm": 178, "size": "L"},
            "no_calls": True,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "김민준" and body["phones"] == ["010-9876-5432"]
    assert body["identities"] == [
        {"shop_id": shop.pk, "shop": shop.name, "platform": "tmall", "external_id": "coupang_mj88"}
    ]
    assert body["addresses"][0]["country"] == "KR" and body["addresses"][0]["is_default"]
    assert body["attributes"] == {"height_cm": 178, "size": "L"}
    assert body["tags"] == ["단골"] and body["no_calls"] is True
    assert body["segment"] == "potential" and body["merged_into_id"] is None
    assert api.get(f"/customers/{body['id']}").json() == body
    listed = api.get("/customers", {"q": "5432"}).json()
    assert [c["id"] for c in listed["items"]] == [body["id"]]


def test_create_reports_field_errors(api_as, agent, definitions):
    api = api_as(agent)
    error = assert_error(
        api.post(
            "/customers",
            {"name": "李娜", "phones": ["12"], "attributes": {"height_cm": 999, "size": "XXL"}},
        ),
        400,
        "validation_error",
    )
    assert set(error["fields"]) == {"phones", "attributes.height_cm", "attributes.size"}
    assert_error(api.post("/customers", {"name": ""}), 422, "validation_error")
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"q": "王芳"}, {"王芳"}),
        ({"q": "+86 138 1234 5678"}, {"王芳"}),
        ({"q": "13812345678"}, {"王芳"}),
        ({"q": "tb_wangfang"}, {"王芳"}),
        ({"q": "민준"}, {"김민준"}),
        ({"q": "emily"}, {"Emily Carter"}),
        ({"segment": "vip"}, {"Emily Carter"}),
        ({"consent": "no_calls"}, {"김민준"}),
        ({"unowned": "true"}, {"王芳", "김민준"}),
        ({"tag": "老客户"}, {"王芳"}),
        ({"awaiting_contact": "true"}, {"Emily Carter"}),
    ],
)
def test_list_filters(api_as, agent, lead, wang, new_customer, params, names):
    new_customer("김민준", language="ko", no_calls=True)
    emily = new_customer("Emily Carter", language="en", segment="vip")
    services.assign_customers(actor=lead, customer_ids=[emily.pk], owner=agent)
    items = api_as(agent).get("/customers", params).json()["items"]
    assert {c["name"] for c in items} == names


def test_list_owner_and_shop_filters_and_pages(api_as, agent, lead, wang, shop, db):
    Customer.objects.bulk_create(Customer(name=f"顾客{i}") for i in range(5))
    services.assign_customers(actor=lead, customer_ids=[wang.pk], owner=agent)
    api = api_as(agent)
    assert [c["name"] for c in api.get("/customers", {"owner_id": agent.pk}).json()["items"]] == [
        "王芳"
    ]
    assert [c["name"] for c in api.get("/customers", {"shop_id": shop.pk}).json()["items"]] == [
        "王芳"
    ]
    page = api.get("/customers", {"limit": 4}).json()
    assert len(page["items"]) == 4 and page["next_cursor"]
    rest = api.get("/customers", {"limit": 4, "cursor": page["next_cursor"]}).json()
    assert len(rest["items"]) == 2 and rest["next_cursor"] is None


def test_patch_changes_only_what_is_sent(api_as, agent, wang, definitions):
    api = api_as(agent)
    response = api.patch(
        f"/customers/{wang.pk}",
        {
            "name": "王小芳",
            "no_marketing": True,
            "segment": "vip",
            "attributes": {"height_cm": 160},
            "tags": ["VIP", "老客户"],
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "王小芳" and body["no_marketing"] is True
    assert body["segment"] == "vip" and body["segment_is_manual"] is True
    assert body["phones"] == ["+86 138 1234 5678"]  # not sent, kept
    assert sorted(body["tags"]) == ["VIP", "老客户"]
    assert body["attributes"] == {"height_cm": 160}
    body = api.patch(f"/customers/{wang.pk}", {"attributes": {"height_cm": None}}).json()
    assert body["attributes"] == {}
    error = assert_error(
        api.patch(f"/customers/{wang.pk}", {"attributes": {"height_cm": "tall"}}), 400
    )
    assert error["fields"] == {"attributes.height_cm": ["Enter a whole number."]}
    assert_error(api.patch("/customers/999999", {"name": "x"}), 404, "not_found")


def test_merge_and_reverse_through_the_api(api_as, lead, wang, new_customer, shop):
    twin = new_customer("王芳", phones=["13812345678"], emails=["other@example.com"])
    order = make_order(shop=shop, customer=twin)
    api = api_as(lead)
    groups = api.get("/customers/duplicates").json()
    for group in groups:
        for c in group["customers"]:
            assert c.pop("created_at")
    assert groups == [
        {
            "customers": [
                {
                    "id": c.pk,
                    "name": "王芳",
                    "phones": [c.phones.get().number],
                    "emails": [c.emails.get().email],
                    "owner": None,
                }
                for c in (wang, twin)
            ],
            "reasons": [{"kind": "phone", "value": "8613812345678"}],
        }
    ]
    response = api.post(f"/customers/{wang.pk}/merge", {"merged_id": twin.pk, "reason": "同一人"})
    assert response.status_code == 201, response.content
    record = response.json()
    assert record["survivor_id"] == wang.pk and record["merged_id"] == twin.pk
    assert record["moved"]["orders.Order"] == [order.pk]
    assert record["left_behind"]["customers.CustomerPhone"]
    assert record["merged_by"] == "lead" and record["reversed_at"] is None
    assert api.get(f"/customers/{twin.pk}").json()["merged_into_id"] == wang.pk
    assert api.get(f"/customers/merges/{record['id']}").json() == record
    assert api.get("/customers/duplicates").json() == []
    assert_error(
        api.post(f"/customers/{wang.pk}/merge", {"merged_id": twin.pk}), 409, "already_merged"
    )
    assert_error(api.patch(f"/customers/{twin.pk}", {"name": "x"}), 409)

    reversed_ = api.post(f"/customers/merges/{record['id']}/reverse", {"reason": "弄错了"})
    assert reversed_.status_code == 200, reversed_.content
    assert reversed_.json()["reversed_by"] == "lead"
    assert Order.objects.get().customer_id == twin.pk
    assert_error(api.post(f"/customers/merges/{record['id']}/reverse", {}), 409, "already_reversed")
    assert_error(api.post(f"/customers/{wang.pk}/merge", {"merged_id": wang.pk}), 400)
    assert_error(api.post("/customers/merges/999999/reverse", {}), 404)


def test_assign_and_balance_through_the_api(api_as, lead, make_user, db):
    a = make_user("agent", "a", capacity=10)
    b = make_user("agent", "b", capacity=10)
    ids = [c.pk for c in Customer.objects.bulk_create(Customer(name=f"顾客{i}") for i in range(6))]
    api = api_as(lead)
    assert api.post("/customers/assign", {"customer_ids": ids[:2], "owner_id": a.pk}).json() == {
        "changed": 2
    }
    body = api.post("/customers/balance", {}).json()
    assert body["assigned"] == 4
    assert {o["owner_id"]: len(o["customer_ids"]) for o in body["owners"]} == {a.pk: 1, b.pk: 3}
    assert api.post("/customers/balance", {}).json() == {"assigned": 0, "owners": []}
    error = assert_error(
        api.post("/customers/assign", {"customer_ids": ids, "owner_id": 999999}), 400
    )
    assert "owner_id" in error["fields"]
    assert api.post("/customers/assign", {"customer_ids": ids, "owner_id": None}).json() == {
        "changed": 6
    }


def test_timeline_and_notes_through_the_api(api_as, agent, lead, wang, shop):
    services.assign_customers(actor=lead, customer_ids=[wang.pk], owner=agent)
    api = api_as(agent)
    response = api.post(
        f"/customers/{wang.pk}/notes", {"body": "电话联系过了", "contact_channel": "phone"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["author"] == "agent"
    assert api.get(f"/customers/{wang.pk}").json()["owner_contacted_at"] is not None
    make_order(shop=shop, customer=wang)
    items = api.get(f"/customers/{wang.pk}/timeline", {"limit": 10}).json()
    notes = [i for i in items if i["kind"] == "note"]
    assert [n["title"] for n in notes] == ["Phone call"]
    assert [i["at"] for i in items] == sorted((i["at"] for i in items), reverse=True)
    assert_error(
        api.post(f"/customers/{wang.pk}/notes", {"body": "x", "contact_channel": "fax"}), 422
    )


def test_roles_on_customer_data(api_as, agent, finance, warehouse, lead, wang, new_customer):
    twin = new_customer("王芳")
    for user in (finance, warehouse):
        api = api_as(user)
        assert api.get("/customers").status_code == 200
        assert api.get(f"/customers/{wang.pk}").status_code == 200
        assert api.get(f"/customers/{wang.pk}/timeline").status_code == 200
        assert_error(api.post("/customers", {"name": "x"}), 403, "forbidden")
        assert_error(api.patch(f"/customers/{wang.pk}", {"name": "x"}), 403)
        assert_error(api.post(f"/customers/{wang.pk}/notes", {"body": "x"}), 403)
    for user in (agent, finance, warehouse):
        api = api_as(user)
        assert_error(api.post(f"/customers/{wang.pk}/merge", {"merged_id": twin.pk}), 403)
        assert_error(api.post("/customers/assign", {"customer_ids": [wang.pk]}), 403)
        assert_error(api.post("/customers/balance", {}), 403)
        assert_error(api.get("/customers/duplicates"), 403)
    assert not MergeRecord.objects.exists()
    wang.refresh_from_db()
    assert wang.name == "王芳" and wang.owner is None


def test_path_ids_are_bounded(api_as, agent):
    api = api_as(agent)
    assert_error(api.get(f"/customers/{2**63}"), 422)
    assert_error(api.get("/customers/0"), 422)
    assert_error(api.get("/customers/2"), 404)
