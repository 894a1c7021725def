"""Links in customers' messages: only the shop's trusted domains are clickable; any other
link is plain text with a warning (002-篇3: unfamiliar links are not clicked — phishing)."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from kefu.core.models import Shop
from kefu.customers.services import create_customer
from kefu.tickets import links, services


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


TRUSTED = links.allowed_domains(
    Shop(link_allowlist="taobao.com\nhttps://www.tmall.com/shop\n*.alipay.com\n# comment\n\n")
)


def test_the_allow_list_is_read_forgivingly():
    assert sorted(TRUSTED) == ["alipay.com", "taobao.com", "www.tmall.com"]


@pytest.mark.parametrize(
    ("text", "host", "trusted"),
    [
        ("https://taobao.com/item/1", "taobao.com", True),
        ("https://item.taobao.com/x?id=1", "item.taobao.com", True),
        ("www.taobao.com/refund", "www.taobao.com", True),
        ("m.taobao.com/abc", "m.taobao.com", True),
        ("https://render.alipay.com/p", "render.alipay.com", True),
        ("http://TAOBAO.COM/Upper", "taobao.com", True),
        # look-alikes
        ("https://taobao.com.refund-center.cn/x", "taobao.com.refund-center.cn", False),
        ("https://taobao-refund.com/x", "taobao-refund.com", False),
        ("https://nottaobao.com/x", "nottaobao.com", False),
        ("https://taobao.com@evil.example/login", "evil.example", False),
        ("https://tаobao.com/x", "xn--tobao-4ve.com", False),  # Cyrillic а
        ("tb-refund.top", "tb-refund.top", False),
        ("http://203.0.113.9/pay", "203.0.113.9", False),
        ("https://tmall.com/x", "tmall.com", False),  # only www.tmall.com is trusted
    ],
)
def test_a_link_is_trusted_only_on_the_shops_domains(text, host, trusted):
    (found,) = links.find_links(f"看这里 {text} 谢谢", TRUSTED)
    assert (found.host, found.trusted) == (host, trusted)


def test_links_are_found_inside_chinese_and_korean_text_but_not_in_emails():
    text = "请点击https://evil.cn/领取退款，或者www.taobao.com。邮箱a@b.com 파일 README.md"
    assert [link.text for link in links.find_links(text, TRUSTED)] == [
        "https://evil.cn/",
        "www.taobao.com",
    ]


def test_an_untrusted_link_in_a_customers_message_is_text_with_a_warning():
    html = str(
        links.render(
            "退款点这里 https://tb-refund.top/claim?id=1&x=<script> 或 https://taobao.com/ok",
            TRUSTED,
            inbound=True,
        )
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    anchors = re.findall(r"<a [^>]*>", html)
    assert anchors == [
        '<a href="https://taobao.com/ok" rel="noopener noreferrer nofollow" target="_blank">'
    ]
    assert 'class="link-untrusted"' in html and 'data-host="tb-refund.top"' in html
    assert "⚠" in html


def test_links_the_team_wrote_stay_clickable():
    html = str(links.render("物流查询：https://www.kuaidi100.com/x", TRUSTED, inbound=False))
    assert '<a href="https://www.kuaidi100.com/x"' in html


@pytest.mark.django_db
def test_the_ticket_page_warns_and_never_links_an_unfamiliar_domain(agent, login, shop):
    shop.link_allowlist = "tmall.com"
    shop.save()
    customer = create_customer(actor=None, name="陈静")
    ticket = services.create_ticket(
        actor=None,
        customer=customer,
        shop=shop,
        subject="",
        body="收到短信说退款失败，让我点 http://tmall-refund.top/a 处理，是你们吗？店铺 https://detail.tmall.com/item",
    )
    html = login(agent).get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'href="http://tmall-refund.top' not in html
    assert "Unfamiliar link (tmall-refund.top)" in html
    assert '<a href="https://detail.tmall.com/item"' in html
