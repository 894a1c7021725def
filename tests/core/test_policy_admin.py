"""The admin's Policies screen: every rule of the trade listed, values set per shop or for all
shops through the rule's own checks, and every change and reset in the audit log."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from kefu.core import policies
from kefu.core.models import AuditEntry, Policy
from kefu.core.policy_forms import declare_all
from kefu.customers.rules import OWNER_CONTACT_DAYS, VIP_MIN_SPEND
from tests.browser_support import CHROMIUM, kefu_server, sign_in, watch_for_problems
from tests.factories import make_shop

LIST = reverse("admin:core_policy_changelist")
SET = reverse("admin:core_policy_set")
KEY = OWNER_CONTACT_DAYS.key  # int, 7 by default, 1 to 365


def reset_url(row: Policy) -> str:
    return reverse("admin:core_policy_reset", args=[row.pk])


@pytest.fixture
def admin_client(admin_user, login):
    return login(admin_user)


@pytest.fixture
def other_shop(db):
    return make_shop(slug="coupang-kr", name="쿠팡 스토어")


def entries(action: str):
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def test_every_declared_rule_is_listed_even_without_a_stored_value(admin_client):
    declare_all()
    assert not Policy.objects.exists()
    page = admin_client.get(LIST)
    assert page.status_code == 200
    html = page.content.decode()
    for key in policies.declared():
        assert f'id="rule-{key}"' in html
    # rules from each feature, including those declared only by the screens' modules
    for key in (
        "tickets.sla_due_soon_minutes",
        "portal.link_hours",
        "aftersales.claim_window_days",
        "complaints.decide_hours",
        "followups.call_from",
        "reviews.contact_window_hours",
        "retention.unpaid_hold_days",
        "claims.carrier_answer_days",
        "customers.owner_contact_days",
        "orders.auto_confirm_days",
    ):
        assert f'id="rule-{key}"' in html
    assert "Days an owner has to contact a newly assigned customer" in html
    assert "003 ch.2 §3" in html  # where the default comes from


def test_the_list_shows_the_value_for_all_shops_and_the_shops_with_their_own(
    admin_client, admin_user, shop
):
    policies.set_value(actor=admin_user, key=KEY, value=10)
    policies.set_value(actor=admin_user, key=KEY, value=3, shop=shop)
    page = admin_client.get(LIST, {"group": "customers"})
    html = page.content.decode()
    row = html.split(f'id="rule-{KEY}"', 1)[1].split("</tr>", 1)[0]
    assert "<strong>10</strong>" in row
    assert f"{shop.name}: <strong>3</strong>" in row


def test_the_list_filters_by_feature_and_search(admin_client):
    html = admin_client.get(LIST, {"group": "complaints"}).content.decode()
    assert 'id="rule-complaints.decide_hours"' in html
    assert 'id="rule-tickets.sla_due_soon_minutes"' not in html
    html = admin_client.get(LIST, {"q": "vip"}).content.decode()
    assert 'id="rule-customers.vip_min_spend"' in html
    assert f'id="rule-{KEY}"' not in html


def test_the_list_is_shown_in_the_users_language(admin_client, admin_user):
    admin_user.language = "zh-hans"
    admin_user.save()
    page = admin_client.get(LIST, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200


def test_setting_a_shop_value_changes_only_that_shop(admin_client, admin_user, shop, other_shop):
    response = admin_client.post(SET, {"key": KEY, "shop": shop.pk, "value": "3"})
    assert response.status_code == 302
    assert response["Location"].startswith(LIST)
    assert OWNER_CONTACT_DAYS.get(shop) == 3
    assert OWNER_CONTACT_DAYS.get(other_shop) == 7
    assert OWNER_CONTACT_DAYS.get() == 7

    admin_client.post(SET, {"key": KEY, "shop": "", "value": "14"})
    assert OWNER_CONTACT_DAYS.get(other_shop) == 14  # the value for all shops
    assert OWNER_CONTACT_DAYS.get(shop) == 3  # the shop's own still wins


def test_a_decimal_rule_is_stored_and_read_back(admin_client, shop):
    admin_client.post(SET, {"key": VIP_MIN_SPEND.key, "shop": shop.pk, "value": "650000.50"})
    assert VIP_MIN_SPEND.get(shop) == Decimal("650000.50")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (KEY, "seven", "Enter a whole number."),
        (KEY, "2.5", "Enter a whole number."),
        (KEY, "0", "Must be at least 1."),
        (KEY, "366", "Must be at most 365."),
        (VIP_MIN_SPEND.key, "lots", "Enter a number."),
        (VIP_MIN_SPEND.key, "NaN", "Enter a number."),
        (VIP_MIN_SPEND.key, "-1", "Must be at least 0."),
        ("tickets.route_to_offline_owner", "maybe", "Enter yes or no."),
        (KEY, "", "This field is required."),
    ],
)
def test_a_bad_value_shows_a_form_error_and_saves_nothing(admin_client, shop, key, value, message):
    response = admin_client.post(SET, {"key": key, "shop": shop.pk, "value": value})
    assert response.status_code == 200
    assert message in response.context["form"].errors["value"]
    assert message in response.content.decode()
    assert not Policy.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="policy.").exists()


def test_an_unknown_rule_or_shop_is_refused(admin_client):
    response = admin_client.post(SET, {"key": "nope.days", "value": "1"})
    assert "key" in response.context["form"].errors
    response = admin_client.post(SET, {"key": KEY, "shop": "999999", "value": "1"})
    assert "shop" in response.context["form"].errors
    assert not Policy.objects.exists()


def test_the_form_opens_on_the_rule_and_shop_with_the_value_in_force(
    admin_client, admin_user, shop
):
    policies.set_value(actor=admin_user, key=KEY, value=12)
    form = admin_client.get(SET, {"key": KEY, "shop": shop.pk}).context["form"]
    assert form.initial == {"key": KEY, "shop": shop, "value": "12"}
    page = admin_client.get(SET, {"key": "tickets.route_to_offline_owner"})
    assert page.context["form"].initial["value"] == "no"
    assert page.status_code == 200


def test_a_yes_or_no_rule_takes_words(admin_client):
    admin_client.post(SET, {"key": "tickets.route_to_offline_owner", "value": "Yes"})
    assert policies.declared()["tickets.route_to_offline_owner"].get() is True


def test_every_change_is_audited_with_who_from_and_to(admin_client, admin_user, shop):
    admin_client.post(SET, {"key": KEY, "shop": shop.pk, "value": "3"})
    admin_client.post(SET, {"key": KEY, "shop": shop.pk, "value": "5"})
    first, second = entries("policy.set")
    row = Policy.objects.get(key=KEY, shop=shop)
    assert first.actor == admin_user and first.actor_label == "admin"
    assert first.object_type == "core.policy" and first.object_id == str(row.pk)
    assert first.changes == {"value": [7, 3]}
    assert second.changes == {"value": [3, 5]}


def test_resetting_a_shop_value_falls_back_to_all_shops_and_is_audited(
    admin_client, admin_user, shop
):
    policies.set_value(actor=admin_user, key=KEY, value=10)
    policies.set_value(actor=admin_user, key=KEY, value=3, shop=shop)
    row = Policy.objects.get(key=KEY, shop=shop)
    page = admin_client.get(reset_url(row))
    assert page.status_code == 200
    assert "10" in page.content.decode() and not entries("policy.reset")

    response = admin_client.post(reset_url(row))
    assert response.status_code == 302
    assert not Policy.objects.filter(pk=row.pk).exists()
    assert OWNER_CONTACT_DAYS.get(shop) == 10
    (entry,) = entries("policy.reset")
    assert entry.actor == admin_user
    assert entry.object_type == "core.policy" and entry.object_id == str(row.pk)
    assert entry.changes == {"value": [3, 10]}


def test_resetting_the_value_for_all_shops_goes_back_to_the_default(admin_client, admin_user):
    policies.set_value(actor=admin_user, key=KEY, value=30)
    row = Policy.objects.get(key=KEY, shop=None)
    admin_client.post(reset_url(row))
    assert OWNER_CONTACT_DAYS.get() == 7
    (entry,) = entries("policy.reset")
    assert entry.changes == {"value": [30, 7]}


def test_the_stock_admin_pages_lead_to_the_audited_ones(admin_client, admin_user, shop):
    policies.set_value(actor=admin_user, key=KEY, value=3, shop=shop)
    row = Policy.objects.get(key=KEY, shop=shop)
    change = admin_client.get(reverse("admin:core_policy_change", args=[row.pk]))
    assert change.status_code == 302 and f"shop={shop.pk}" in change["Location"]
    delete = admin_client.post(reverse("admin:core_policy_delete", args=[row.pk]))
    assert delete["Location"] == reset_url(row)
    assert Policy.objects.filter(pk=row.pk).exists()  # nothing removed without the audit
    add = admin_client.get(reverse("admin:core_policy_add"))
    assert add["Location"].startswith(SET)


def test_reset_value_without_a_stored_value_changes_nothing(admin_user, shop):
    assert policies.reset_value(actor=admin_user, key=KEY, shop=shop) == 7
    assert not entries("policy.reset")


@pytest.mark.parametrize("role", ["lead", "agent"])
def test_other_roles_get_403(request, login, role, admin_user, shop):
    user = request.getfixturevalue(role)
    policies.set_value(actor=admin_user, key=KEY, value=3, shop=shop)
    row = Policy.objects.get(key=KEY, shop=shop)
    client = login(user)
    assert client.get(LIST).status_code == 403
    assert client.get(SET).status_code == 403
    assert client.post(SET, {"key": KEY, "value": "9"}).status_code == 403
    assert client.post(reset_url(row)).status_code == 403
    assert OWNER_CONTACT_DAYS.get() == 7 and OWNER_CONTACT_DAYS.get(shop) == 3


BROWSER_SETUP = """
from kefu.core import policies
from kefu.core.models import Shop, User
from kefu.customers.rules import OWNER_CONTACT_DAYS
admin = User.objects.get(username="admin")
shop = Shop.objects.create(
    slug="gmarket-kr", name="G마켓 스토어", platform="gmarket", currency="KRW"
)
policies.set_value(actor=admin, key=OWNER_CONTACT_DAYS.key, value=3, shop=shop)
"""


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is not installed")
def test_an_admin_sets_and_resets_a_value_in_the_browser(tmp_path_factory, browser, shots):
    with kefu_server(tmp_path_factory, shell=BROWSER_SETUP) as base:
        context = browser.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN")
        page = context.new_page()
        problems = watch_for_problems(page)
        sign_in(page, base, "admin")
        page.goto(f"{base}{LIST}")
        row = page.locator(f'tr[id="rule-{KEY}"]')
        assert "G마켓 스토어: 3" in row.inner_text()
        declare_all()
        assert page.locator("tr.policy-rule").count() == len(policies.declared())
        page.screenshot(path=str(shots / "policies-list.png"), full_page=True)

        page.goto(f"{base}{SET}?key={KEY}")
        page.fill("#id_value", "0")
        page.click("input[type=submit]")
        assert page.locator(".errorlist").inner_text()  # below the minimum
        page.screenshot(path=str(shots / "policies-set-error.png"), full_page=True)
        page.fill("#id_value", "5")
        with page.expect_navigation():
            page.click("input[type=submit]")
        row = page.locator(f'tr[id="rule-{KEY}"]')
        assert "5" in row.locator("td.everywhere").inner_text()

        with page.expect_navigation():
            row.locator("td.shops a[href$='/reset/']").click()
        with page.expect_navigation():
            page.click("input[type=submit]")
        assert "G마켓" not in page.locator(f'tr[id="rule-{KEY}"] td.shops').inner_text()
        page.screenshot(path=str(shots / "policies-after-reset.png"), full_page=True)
        assert problems == []
        context.close()
