"""Care campaigns: consent, the frequency cap across campaigns, idempotent runs, roles."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kefu.core.errors import DomainError, NotAllowed
from kefu.customers.models import CustomerPhone, MarketplaceIdentity
from kefu.retention import services
from kefu.retention.models import Campaign, CampaignDelivery
from tests.conftest import assert_error
from tests.factories import make_customer

TEXTS = {
    "zh-hans": "{name}，新年快乐！VIP专享新品八折。",
    "ko": "{name}님, 새해 복 많이 받으세요!",
    "en": "Happy new year, {name}!",
}


def vip(name, language="zh-hans", *, phone=True, **kw):
    customer = make_customer(name=name, language=language, segment="vip", **kw)
    if phone:
        CustomerPhone.objects.create(customer=customer, number="13800000000", normalized=name)
    return customer


@pytest.fixture
def campaign(lead):
    return services.create_campaign(
        actor=lead,
        name="新年问候",
        segment="vip",
        messages_by_language=TEXTS,
        scheduled_for=timezone.now(),
    )


def outcome_of(campaign, customer) -> str:
    return CampaignDelivery.objects.get(campaign=campaign, customer=customer).outcome


def test_each_customer_gets_the_message_in_their_language_or_the_reason(lead, campaign, shop):
    wang = vip("王芳")
    kim = vip("김민지", "ko")
    no_consent = vip("不要营销", no_marketing=True)
    unreachable = vip("没有联系方式", phone=False)
    by_id = make_customer(name="Emma", language="en", segment="vip")
    MarketplaceIdentity.objects.create(customer=by_id, shop=shop, external_id="emma88")
    make_customer(name="普通顾客", segment="existing")
    counts = services.run_campaign(actor=lead, campaign=campaign)
    assert counts == {
        "sent": 3,
        "skipped_no_consent": 1,
        "skipped_frequency_cap": 0,
        "skipped_no_contact": 1,
    }
    assert (
        CampaignDelivery.objects.get(customer=wang).message == "王芳，新年快乐！VIP专享新品八折。"
    )
    assert CampaignDelivery.objects.get(customer=kim).language == "ko"
    assert CampaignDelivery.objects.get(customer=by_id).message == "Happy new year, Emma!"
    assert outcome_of(campaign, no_consent) == "skipped_no_consent"
    assert outcome_of(campaign, unreachable) == "skipped_no_contact"
    assert CampaignDelivery.objects.count() == 5  # the existing-segment buyer is not in it


def test_a_customer_greeted_three_days_ago_is_skipped_for_the_frequency_cap(lead, campaign):
    greeted = vip("王芳")
    fresh = vip("李雷")
    earlier = services.create_campaign(
        actor=lead,
        name="中秋问候",
        segment="vip",
        messages_by_language={"zh-hans": "中秋快乐"},
        scheduled_for=timezone.now() - dt.timedelta(days=3),
    )
    CampaignDelivery.objects.create(
        campaign=earlier,
        customer=greeted,
        outcome="sent",
        language="zh-hans",
        message="中秋快乐",
        created_at=timezone.now() - dt.timedelta(days=3),
    )
    services.run_campaign(actor=lead, campaign=campaign)
    assert outcome_of(campaign, greeted) == "skipped_frequency_cap"
    assert outcome_of(campaign, fresh) == "sent"


def test_a_greeting_eight_days_ago_no_longer_counts(lead, campaign):
    greeted = vip("王芳")
    earlier = services.create_campaign(
        actor=lead,
        name="旧问候",
        segment="vip",
        messages_by_language={"zh-hans": "你好"},
        scheduled_for=timezone.now(),
    )
    CampaignDelivery.objects.create(
        campaign=earlier,
        customer=greeted,
        outcome="sent",
        created_at=timezone.now() - dt.timedelta(days=8),
    )
    services.run_campaign(actor=lead, campaign=campaign)
    assert outcome_of(campaign, greeted) == "sent"


def test_two_campaigns_the_same_day_send_one_message_per_customer(lead, campaign):
    person = vip("王芳")
    second = services.create_campaign(
        actor=lead,
        name="VIP新品",
        segment="vip",
        messages_by_language=TEXTS,
        scheduled_for=timezone.now(),
    )
    services.run_campaign(actor=lead, campaign=campaign)
    services.run_campaign(actor=lead, campaign=second)
    assert outcome_of(campaign, person) == "sent"
    assert outcome_of(second, person) == "skipped_frequency_cap"


def test_running_twice_changes_nothing_and_new_members_get_theirs(lead, campaign):
    vip("王芳")
    first = services.run_campaign(actor=lead, campaign=campaign)
    again = services.run_campaign(actor=lead, campaign=campaign)
    assert first["sent"] == 1 and sum(again.values()) == 0
    vip("김민지", "ko")
    third = services.run_campaign(actor=lead, campaign=campaign)
    assert third["sent"] == 1
    assert CampaignDelivery.objects.filter(campaign=campaign).count() == 2


def test_the_sweep_runs_due_campaigns_once(lead, campaign):
    vip("王芳")
    later = services.create_campaign(
        actor=lead,
        name="以后",
        segment="vip",
        messages_by_language=TEXTS,
        scheduled_for=timezone.now() + dt.timedelta(days=1),
    )
    assert services.run_due_campaigns()["campaigns"] == 1
    assert services.run_due_campaigns()["campaigns"] == 0
    campaign.refresh_from_db()
    assert campaign.status == "done"
    assert Campaign.objects.get(pk=later.pk).status == "scheduled"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": " "}, "name"),
        ({"segment": "gold"}, "segment"),
        ({"messages_by_language": {}}, "messages"),
        ({"messages_by_language": {"fr": "Bonjour"}}, "messages"),
        ({"messages_by_language": {"en": "x" * 2001}}, "messages"),
    ],
)
def test_bad_campaigns_are_refused_with_the_field(lead, change, field):
    args = {
        "name": "问候",
        "segment": "vip",
        "messages_by_language": TEXTS,
        "scheduled_for": timezone.now(),
        **change,
    }
    with pytest.raises(DomainError) as exc:
        services.create_campaign(actor=lead, **args)
    assert field in exc.value.fields


def test_agents_may_view_but_not_create_or_run(agent, campaign):
    with pytest.raises(NotAllowed):
        services.run_campaign(actor=agent, campaign=campaign)
    with pytest.raises(NotAllowed):
        services.create_campaign(
            actor=agent,
            name="x",
            segment="vip",
            messages_by_language=TEXTS,
            scheduled_for=timezone.now(),
        )


def test_api_create_run_and_deliveries(api_as, lead, agent, finance):
    vip("王芳")
    vip("不要营销", no_marketing=True)
    api = api_as(lead)
    body = {
        "name": "VIP 专享",
        "segment": "vip",
        "messages": TEXTS,
        "scheduled_for": "2026-12-31T10:00:00+08:00",
    }
    created = api.post("/campaigns", body, idempotency_key="c1")
    assert created.status_code == 201, created.content
    assert api.post("/campaigns", body, idempotency_key="c1").json()["id"] == created.json()["id"]
    cid = created.json()["id"]
    run = api.post(f"/campaigns/{cid}/actions/run")
    assert run.status_code == 200
    assert run.json()["outcomes"]["sent"] == 1 and run.json()["campaign"]["sent"] == 1
    rerun = api.post(f"/campaigns/{cid}/actions/run")
    assert sum(rerun.json()["outcomes"].values()) == 0
    items = api.get(f"/campaigns/{cid}/deliveries").json()["items"]
    assert {i["outcome"] for i in items} == {"sent", "skipped_no_consent"}
    skipped = api.get(f"/campaigns/{cid}/deliveries", {"outcome": "skipped_no_consent"})
    assert [i["customer_name"] for i in skipped.json()["items"]] == ["不要营销"]
    agent_api = api_as(agent)
    assert agent_api.get("/campaigns").status_code == 200
    assert_error(agent_api.post("/campaigns", body), 403)
    assert_error(agent_api.post(f"/campaigns/{cid}/actions/run"), 403)
    assert_error(api_as(finance).get("/campaigns"), 403)
    assert_error(api.post(f"/campaigns/{cid}/actions/launch"), 422)
    assert_error(api.post("/campaigns", {**body, "messages": {"fr": "Salut"}}), 422)
    assert_error(api.post("/campaigns", {**body, "segment": "gold"}), 422)


def test_campaign_screens(login, lead, agent, campaign):
    vip("王芳")
    client = login(lead)
    assert client.get("/retention/campaigns/").status_code == 200
    plan = {
        "name": "春节",
        "segment": "vip",
        "scheduled_for": "2027-02-01T10:00",
        "message_zh-hans": "春节快乐",
    }
    assert client.post("/retention/campaigns/", plan).status_code == 302
    bad = client.post("/retention/campaigns/", {**plan, "message_zh-hans": ""})
    assert bad.status_code == 400
    assert client.post(f"/retention/campaigns/{campaign.pk}/").status_code == 302
    page = client.get(f"/retention/campaigns/{campaign.pk}/").content.decode()
    assert "王芳，新年快乐" in page
    agent_client = login(agent)
    assert agent_client.get(f"/retention/campaigns/{campaign.pk}/").status_code == 200
    assert agent_client.post(f"/retention/campaigns/{campaign.pk}/").status_code == 403
    assert agent_client.post("/retention/campaigns/", plan).status_code == 403


def test_a_campaign_for_one_shop_reaches_only_its_buyers(lead, shop):
    from tests.factories import make_order, make_shop

    buyer = vip("王芳")
    make_order(shop=shop, customer=buyer)
    elsewhere = vip("李雷")
    make_order(shop=make_shop(), customer=elsewhere)
    campaign = services.create_campaign(
        actor=lead,
        name="店铺VIP",
        segment="vip",
        messages_by_language=TEXTS,
        scheduled_for=timezone.now(),
        shop=shop,
    )
    services.run_campaign(actor=lead, campaign=campaign)
    assert list(campaign.deliveries.values_list("customer__name", flat=True)) == ["王芳"]
