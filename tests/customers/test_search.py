"""Finding a customer: names in Chinese, Korean and English, phones in any form, emails,
marketplace IDs, combined with filters; the index stays in step with every change."""

from __future__ import annotations

import pytest

from kefu.core.models import Shop
from kefu.customers import normalize, search, selectors, services
from kefu.customers.models import Customer
from tests.factories import make_order, make_ticket

pytestmark = pytest.mark.django_db


def found(q: str, **filters) -> set[str]:
    return set(selectors.search_customers(q, **filters).values_list("name", flat=True))


@pytest.fixture
def people(new_customer, shop, shop2):
    return {
        "wang": new_customer(
            "王芳",
            phones=["+86 138 1234 5678"],
            emails=["wang.fang@example.com"],
            identities=[(shop.pk, "tb_小芳2023")],
        ),
        "wangwei": new_customer("王伟", phones=["13900002222"]),
        "kim": new_customer(
            "김민준",
            language="ko",
            phones=["010-9876-5432"],
            emails=["minjun.kim@example.kr"],
            identities=[(shop2.pk, "coupang_mj88")],
        ),
        "emily": new_customer(
            "Emily Carter", language="en", phones=["+1 555-0142"], emails=["emily@example.org"]
        ),
        "shopify": new_customer(
            "Noah Smith", language="en", identities=[(shop.pk, "7012345678901")]
        ),
    }


@pytest.mark.parametrize(
    ("q", "names"),
    [
        ("王芳", {"王芳"}),
        ("王", {"王芳", "王伟"}),
        ("芳", {"王芳"}),
        ("김민준", {"김민준"}),
        ("민준", {"김민준"}),
        ("emily", {"Emily Carter"}),
        ("Emily Carter", {"Emily Carter"}),
        ("car", {"Emily Carter"}),  # an English word matches as a prefix
        ("CARTER", {"Emily Carter"}),
        ("王芳 5678", {"王芳"}),
        ("nobody", set()),
    ],
)
def test_names_in_three_languages(people, q, names):
    assert found(q) == names


@pytest.mark.parametrize(
    ("q", "name"),
    [
        ("+86 138 1234 5678", "王芳"),
        ("+8613812345678", "王芳"),
        ("8613812345678", "王芳"),
        ("0086 138 1234 5678", "王芳"),
        ("13812345678", "王芳"),
        ("138-1234-5678", "王芳"),
        ("(138) 1234 5678", "王芳"),
        ("5678", "王芳"),
        ("+82 10-9876-5432", "김민준"),
        ("010-9876-5432", "김민준"),
        ("01098765432", "김민준"),
        ("5432", "김민준"),
        ("+1 555-0142", "Emily Carter"),
        ("0142", "Emily Carter"),
    ],
)
def test_phones_in_any_form(people, q, name):
    assert found(q) == {name}


def test_partial_phone_typing_finds_by_prefix(people):
    assert found("1381234") == {"王芳"}


@pytest.mark.parametrize(
    ("q", "name"),
    [
        ("wang.fang@example.com", "王芳"),
        ("WANG.FANG@EXAMPLE.COM", "王芳"),
        ("minjun.kim", "김민준"),
        ("emily@example.org", "Emily Carter"),
        ("tb_小芳2023", "王芳"),
        ("coupang_mj88", "김민준"),
        ("7012345678901", "Noah Smith"),  # a Shopify customer id is digits too
    ],
)
def test_emails_and_marketplace_ids(people, q, name):
    assert found(q) == {name}


def test_nothing_searchable_finds_nothing(people):
    assert found("!!!") == set()
    assert found("") == {p.name for p in people.values()}


def test_newest_matches_first_both_below_and_above_the_few_bound(people, monkeypatch):
    """The search page's customer panel: newest first, at most ``limit``, merged
    customers left out, whichever way the index is read (PostgreSQL reads a rare word
    from the GIN index first; a common one the other way)."""
    wang, wangwei = people["wang"], people["wangwei"]
    for bound in (search.FEW_CUSTOMERS, 1):
        monkeypatch.setattr(search, "FEW_CUSTOMERS", bound)
        assert search.newest_ids("王", 10) == [wangwei.pk, wang.pk]
        assert search.newest_ids("王", 1) == [wangwei.pk]
        assert search.newest_ids("退款", 10) == []
    Customer.objects.filter(pk=wangwei.pk).update(merged_into=wang)
    assert search.newest_ids("王", 10) == [wang.pk]


def test_search_combines_with_filters(people, agent, lead, shop, shop2):
    services.update_customer(actor=agent, customer=people["wang"], no_calls=True, segment="vip")
    services.assign_customers(actor=lead, customer_ids=[people["wangwei"].pk], owner=agent)
    assert found("王", segment="vip") == {"王芳"}
    assert found("王", consent="no_calls") == {"王芳"}
    assert found("王", consent="calls_ok") == {"王伟"}
    assert found("王", owner=agent) == {"王伟"}
    assert found("王", unowned=True) == {"王芳"}
    assert found("", shop=shop2) == {"김민준"}
    assert found("", shop=shop) == {"王芳", "Noah Smith"}


def test_shop_filter_also_follows_orders_and_tickets(people, shop2):
    make_order(shop=shop2, customer=people["emily"])
    make_ticket(shop=shop2, customer=people["wangwei"])
    assert found("", shop=shop2) == {"김민준", "Emily Carter", "王伟"}


def test_tag_filter_by_id_or_name(new_customer):
    new_customer("王芳", tags=["VIP"])
    new_customer("李娜", tags=["老客户"])
    assert found("", tag="VIP") == {"王芳"}
    from kefu.customers.models import Tag

    assert found("", tag=Tag.objects.get(name="老客户").pk) == {"李娜"}
    assert found("", tag="no such tag") == set()
    new_customer("张三", tags=["2024"])
    assert found("", tag="2024") == {"张三"}


def test_the_index_follows_every_edit(people, agent):
    customer = people["wang"]
    services.update_customer(
        actor=agent,
        customer=customer,
        name="王小芳",
        phones=["13700001111"],
        emails=["xiaofang@example.com"],
        identities=[],
    )
    assert found("13812345678") == set()
    assert found("5678") == set()
    assert found("tb_小芳2023") == set()
    assert found("1111") == {"王小芳"}
    assert found("小芳") == {"王小芳"}
    assert found("xiaofang@example.com") == {"王小芳"}


def test_merge_and_unmerge_keep_the_index_in_step(new_customer, lead):
    survivor = new_customer("王芳", phones=["13812345678"])
    merged = new_customer("Wang Fang", emails=["wf@example.com"])
    record = services.merge_customers(actor=lead, survivor=survivor, merged=merged)
    assert found("wf@example.com") == {"王芳"}
    assert found("Wang") == set()  # the merged record is out of the index
    services.unmerge(actor=lead, record=record)
    assert found("wf@example.com") == {"Wang Fang"}
    assert found("Wang") == {"Wang Fang"}


def test_reindex_drops_deleted_customers(new_customer):
    customer = new_customer("王芳", phones=["13812345678"])
    pk = customer.pk
    Customer.objects.filter(pk=pk).delete()
    search.reindex([pk])
    assert selectors.search_customers("王芳").count() == 0
    from django.db import connection

    sql, params = search.CUSTOMER_INDEX.ids_sql(connection, "王芳")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        assert cursor.fetchall() == []


def test_bulk_loading_fills_the_index(agent, shop):
    rows = [
        services.NewCustomer(
            name=f"测试{i}号",
            phones=[f"+86 139 0000 {i:04d}"],
            emails=[f"bulk{i}@example.com"],
            identities=[(shop.pk, f"bulk_nick_{i}")],
        )
        for i in range(30)
    ]
    assert services.bulk_create_customers(actor=agent, rows=rows, batch_size=7) == 30
    assert found("13900000017") == {"测试17号"}
    assert found("bulk_nick_3") == {"测试3号"}
    assert found("bulk29@example.com") == {"测试29号"}
    assert Customer.objects.count() == 30
    from kefu.core.models import AuditEntry

    assert AuditEntry.objects.filter(action="customer.create").count() == 30


# ---------------------------------------------------------------- pieces


@pytest.mark.parametrize(
    ("normalized", "split"),
    [
        ("8613812345678", ("86", "13812345678")),
        ("821012345678", ("82", "1012345678")),
        ("15550142", ("1", "5550142")),
        ("85291234567", ("852", "91234567")),
        ("447911123456", ("44", "7911123456")),
        ("123", ("", "123")),
        ("", ("", "")),
    ],
)
def test_country_codes_split_like_the_itu_plan(normalized, split):
    assert normalize.split_country_code(normalized) == split


def test_phone_terms():
    assert search.phone_terms("8613812345678") == [
        "8613812345678",
        "13812345678",
        "013812345678",
        "5678",
    ]
    assert search.phone_terms("") == []


@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("+86 138 1234 5678", "8613812345678"),
        ("0086-138-1234-5678", "8613812345678"),
        ("010-1234-5678", "01012345678"),
        ("5678", "5678"),
        ("12", None),
        ("王芳 5678", None),
        ("tb_123", None),
    ],
)
def test_phone_queries(raw, digits):
    assert normalize.phone_query(raw) == digits


def test_shops_filter_on_unknown_shop_is_empty(people):
    assert found("", shop=Shop.objects.order_by("-pk").first().pk + 100) == set()
