"""Creating and editing customer records: fields, validation, audit, attributes, notes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kefu.core import audit
from kefu.core.errors import Conflict, DomainError
from kefu.customers import services
from kefu.customers.models import Customer, CustomerNote, Segment, Tag

pytestmark = pytest.mark.django_db


def test_create_keeps_every_field_normalised_and_audited(agent, shop):
    customer = services.create_customer(
        actor=agent,
        name="  王芳 ",
        phones=["138 1234 5678", {"number": "+82 10-9876-5432", "label": "KR"}],
        emails=["WangFang@Example.com"],
        identities=[{"shop_id": shop.pk, "external_id": "tb_wangfang"}],
        addresses=[
            {
                "recipient": "王芳",
                "region": "浙江省",
                "city": "杭州市",
                "line": "西湖区文三路 90 号",
            }
        ],
        tags=["老客户", "差评风险"],
        no_calls=True,
        notes="喜欢宽松版型",
    )
    assert customer.name == "王芳"
    assert sorted(customer.phones.values_list("normalized", flat=True)) == [
        "821098765432",
        "8613812345678",
    ]
    assert customer.phones.get(normalized="821098765432").label == "KR"
    assert customer.emails.get().normalized == "wangfang@example.com"
    assert customer.identities.get().external_id == "tb_wangfang"
    assert customer.addresses.get().is_default
    assert sorted(customer.tags.values_list("name", flat=True)) == ["差评风险", "老客户"]
    assert customer.no_calls and not customer.no_marketing
    assert customer.segment == Segment.POTENTIAL and not customer.segment_is_manual
    entry = audit.history(customer).get()
    assert (entry.action, entry.actor, entry.to_state) == ("customer.create", agent, "potential")


def test_phone_without_country_code_takes_the_customers_language(agent):
    korean = services.create_customer(
        actor=agent, name="김민준", language="ko", phones=["010-1234-5678"]
    )
    assert korean.phones.get().normalized == "821012345678"
    chinese = services.create_customer(actor=agent, name="李娜", phones=["13912345678"])
    assert chinese.phones.get().normalized == "8613912345678"


def test_invalid_fields_are_reported_per_field_and_nothing_is_written(agent, shop):
    with pytest.raises(DomainError) as caught:
        services.create_customer(
            actor=agent,
            name=" ",
            phones=["12"],
            emails=["not-an-email"],
            identities=[{"shop_id": 999999, "external_id": "x"}],
            segment="gold",
            language="fr",
        )
    fields = caught.value.fields
    assert set(fields) == {"name", "phones", "emails", "identities", "segment", "language"}
    assert caught.value.code == "validation_error"
    assert not Customer.objects.exists()


def test_a_marketplace_id_belongs_to_one_customer(agent, shop, new_customer):
    first = new_customer("王芳", identities=[(shop.pk, "tb_wangfang")])
    with pytest.raises(DomainError) as caught:
        new_customer("王芳二号", identities=[(shop.pk, "tb_wangfang")])
    assert "tb_wangfang" in caught.value.fields["identities"][0]
    # the same ID on another shop is another buyer's account: allowed
    other_shop = type(shop).objects.create(slug="tb2", name="淘宝二店", platform="taobao")
    assert new_customer("王芳", identities=[(other_shop.pk, "tb_wangfang")]).pk != first.pk


def test_update_changes_only_what_was_sent_and_keeps_row_ids(agent, shop, new_customer):
    customer = new_customer(
        "王芳", phones=["13812345678", "13900001111"], emails=["a@example.com"], tags=["VIP"]
    )
    kept = customer.phones.get(normalized="8613812345678").pk
    services.update_customer(
        actor=agent,
        customer=customer,
        phones=["+86 138-1234-5678", "13700002222"],
        tags=["VIP", "老客户"],
    )
    customer.refresh_from_db()
    assert customer.phones.get(normalized="8613812345678").pk == kept
    assert sorted(customer.phones.values_list("normalized", flat=True)) == [
        "8613700002222",
        "8613812345678",
    ]
    assert customer.emails.get().email == "a@example.com"  # untouched
    assert sorted(customer.tags.values_list("name", flat=True)) == ["VIP", "老客户"]
    entry = audit.history(customer).filter(action="customer.update").get()
    assert set(entry.changes) == {"phones", "tags"}


def test_update_without_changes_writes_no_audit_entry(agent, new_customer):
    customer = new_customer("王芳", phones=["13812345678"])
    services.update_customer(actor=agent, customer=customer, name="王芳", phones=["13812345678"])
    assert not audit.history(customer).filter(action="customer.update").exists()


def test_consent_flags_are_audited(agent, new_customer):
    customer = new_customer("王芳")
    services.update_customer(actor=agent, customer=customer, no_calls=True, no_marketing=True)
    entry = audit.history(customer).get(action="customer.update")
    assert entry.changes == {"no_calls": [False, True], "no_marketing": [False, True]}


def test_segment_by_hand_and_back_to_the_rule(agent, new_customer, no_purchases):
    customer = new_customer("王芳")
    services.update_customer(actor=agent, customer=customer, segment="vip")
    customer.refresh_from_db()
    assert (customer.segment, customer.segment_is_manual) == ("vip", True)
    services.update_customer(actor=agent, customer=customer, segment="auto")
    customer.refresh_from_db()
    assert customer.segment_is_manual is False


def test_addresses_keep_one_default(agent, new_customer):
    customer = new_customer(
        "王芳",
        addresses=[
            {"line": "文三路 90 号", "city": "杭州"},
            {"line": "南京路 1 号", "city": "上海", "is_default": True},
            {"line": "人民路 2 号", "city": "苏州", "is_default": True},
        ],
    )
    defaults = customer.addresses.filter(is_default=True)
    assert [a.city for a in defaults] == ["上海"]
    assert customer.addresses.get(city="杭州").recipient == "王芳"


def test_tags_are_created_once(agent, new_customer):
    new_customer("王芳", tags=["VIP"])
    new_customer("李娜", tags=["VIP"])
    assert Tag.objects.filter(name="VIP").count() == 1


def test_a_merged_record_cannot_be_edited(agent, lead, new_customer):
    survivor, merged = new_customer("王芳"), new_customer("王芳")
    services.merge_customers(actor=lead, survivor=survivor, merged=merged)
    with pytest.raises(Conflict):
        services.update_customer(actor=agent, customer=merged, name="x")


# ---------------------------------------------------------------- attributes


def test_attributes_are_typed_and_stored(agent, definitions, new_customer):
    customer = new_customer(
        "王芳",
        attributes={
            "height_cm": "165",
            "weight_kg": "52.5",
            "size": "M",
            "preferred_brand": " 优衣库 ",
            "next_service": "2027-03-01",
            "has_warranty": "yes",
        },
    )
    assert customer.attributes == {
        "height_cm": 165,
        "weight_kg": 52.5,
        "size": "M",
        "preferred_brand": "优衣库",
        "next_service": "2027-03-01",
        "has_warranty": True,
    }


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("height_cm", "abc", "Enter a whole number."),
        ("height_cm", "170.5", "Enter a whole number."),
        ("height_cm", 20, "Must be at least 50."),
        ("height_cm", "300", "Must be at most 250."),
        ("weight_kg", "heavy", "Enter a number."),
        ("weight_kg", "1e400", "This number is too large."),
        ("weight_kg", "NaN", "Enter a number."),
        ("size", "XXL", "Choose one of: S, M, L, XL."),
        ("next_service", "next week", "Enter a date as YYYY-MM-DD."),
        ("next_service", "2027-02-30", "Enter a date as YYYY-MM-DD."),
        ("has_warranty", "maybe", "Answer yes or no."),
        ("preferred_brand", ["a", "b"], "Enter text."),
        ("shoe_colour", "red", "There is no such attribute."),
    ],
)
def test_attribute_errors_name_the_field(agent, definitions, new_customer, key, value, message):
    with pytest.raises(DomainError) as caught:
        new_customer("王芳", attributes={key: value})
    assert caught.value.fields == {f"attributes.{key}": [message]}


def test_a_required_attribute_must_be_given(agent, definitions, new_customer):
    definitions["size"].required = True
    definitions["size"].save()
    with pytest.raises(DomainError) as caught:
        new_customer("王芳")
    assert caught.value.fields == {"attributes.size": ["This is required."]}
    customer = new_customer("王芳", attributes={"size": "L"})
    with pytest.raises(DomainError):
        services.update_customer(actor=agent, customer=customer, attributes={"size": None})


def test_attribute_updates_merge_and_none_removes(agent, definitions, new_customer):
    customer = new_customer("王芳", attributes={"height_cm": 165, "size": "M"})
    services.update_customer(
        actor=agent, customer=customer, attributes={"size": None, "weight_kg": 50}
    )
    customer.refresh_from_db()
    assert customer.attributes == {"height_cm": 165, "weight_kg": 50}


def test_values_of_a_switched_off_attribute_are_kept(agent, definitions, new_customer):
    customer = new_customer("王芳", attributes={"car_model": "Model Y"})
    definitions["car_model"].is_active = False
    definitions["car_model"].save()
    services.update_customer(actor=agent, customer=customer, attributes={"size": "S"})
    customer.refresh_from_db()
    assert customer.attributes == {"car_model": "Model Y", "size": "S"}


# ---------------------------------------------------------------- notes and contacts


def test_a_plain_note_records_no_contact(agent, new_customer):
    customer = new_customer("王芳")
    note = services.add_note(actor=agent, customer=customer, body="喜欢宽松版型")
    customer.refresh_from_db()
    assert note.contact_channel == "" and customer.last_contact_at is None
    assert audit.history(customer).filter(action="customer.note").exists()


def test_the_owners_recorded_contact_is_the_first_contact(agent, lead, new_customer):
    customer = new_customer("王芳")
    services.assign_customers(actor=lead, customer_ids=[customer.pk], owner=agent)
    services.add_note(actor=lead, customer=customer, body="主管来电", contact_channel="phone")
    customer.refresh_from_db()
    assert customer.last_contact_at is not None
    assert customer.owner_contacted_at is None  # only the owner's contact counts
    services.add_note(actor=agent, customer=customer, body="已电话联系", contact_channel="phone")
    customer.refresh_from_db()
    note = CustomerNote.objects.filter(author=agent).get()
    assert customer.owner_contacted_at == note.created_at
    assert customer.last_contact_at == note.created_at


def test_record_contact_keeps_earliest_and_latest(agent, new_customer):
    customer = new_customer("王芳")
    early = timezone.now() - dt.timedelta(days=400)
    services.record_contact(actor=agent, customer=customer, at=early)
    customer.refresh_from_db()
    assert customer.first_contact_at == early
    assert customer.last_contact_at == early
    later = timezone.now()
    services.record_contact(actor=agent, customer=customer, at=later)
    customer.refresh_from_db()
    assert (customer.first_contact_at, customer.last_contact_at) == (early, later)


def test_an_empty_note_is_refused(agent, new_customer):
    with pytest.raises(DomainError) as caught:
        services.add_note(actor=agent, customer=new_customer(), body="  ", contact_channel="fax")
    assert set(caught.value.fields) == {"body", "contact_channel"}
