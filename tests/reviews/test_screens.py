"""Review screens, the dashboard count, the lead's overdue list and the customer timeline."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kefu.customers.timeline import timeline
from kefu.reviews import selectors
from kefu.reviews.models import Review
from kefu.web import overdue


def test_list_and_detail_show_the_review_and_the_role_s_steps(login, agent, make_review):
    review = make_review(text="物流太慢了")
    client = login(agent)
    page = client.get("/reviews/", {"status": "flagged"})
    assert page.status_code == 200 and "物流太慢了" in page.content.decode()
    detail = client.get(f"/reviews/{review.pk}/")
    assert 'value="analyse"' in detail.content.decode()


def test_a_step_posted_from_the_screen_moves_the_review(login, agent, make_review):
    review = make_review()
    client = login(agent)
    bad = client.post(f"/reviews/{review.pk}/", {"action": "analyse", "cause": ""})
    assert bad.status_code == 400 and "field-error" in bad.content.decode()
    ok = client.post(
        f"/reviews/{review.pk}/", {"action": "analyse", "cause": "size", "attitude": "calm"}
    )
    assert ok.status_code == 302
    review.refresh_from_db()
    assert review.status == "analysed"


def test_finance_gets_403_on_the_screens(login, finance, make_review):
    review = make_review()
    client = login(finance)
    assert client.get("/reviews/").status_code == 403
    assert client.get(f"/reviews/{review.pk}/").status_code == 403


def test_recording_by_hand_and_import_screen(login, agent, shop, order):
    client = login(agent)
    form = {
        "shop": shop.pk,
        "order_number": "TB1001",
        "platform_review_id": "H-1",
        "rating": "2",
        "reviewed_at": "2026-05-01T10:00",
        "text": "颜色和图片不一样",
    }
    assert client.post("/reviews/new/", form).status_code == 302
    wrong = client.post("/reviews/new/", {**form, "order_number": "X"})
    assert wrong.status_code == 400 and "No order X" in wrong.content.decode()
    csv = "订单号,评价ID,评分,评价内容,评价时间\nTB1001,H-2,2,偏小,2026-05-01\nTB1001,H-3,9,?,x\n"
    page = client.post(
        "/reviews/import/", {"shop": shop.pk, "file": SimpleUploadedFile("r.csv", csv.encode())}
    )
    assert page.status_code == 400 and "nothing was imported" in page.content.decode()
    assert Review.objects.count() == 1


def test_dashboard_counts_reviews_not_yet_contacted(agent, finance, make_review):
    make_review()
    contacted = make_review()
    Review.objects.filter(pk=contacted.pk).update(status="contacted")
    assert selectors.dashboard_reviews_to_contact(agent) == 1
    assert selectors.dashboard_reviews_to_contact(finance) == 0


def test_a_review_not_contacted_within_the_window_is_on_the_today_page(lead, make_review):
    late = make_review()
    Review.objects.filter(pk=late.pk).update(flagged_at=timezone.now() - dt.timedelta(hours=30))
    fresh = make_review()
    Review.objects.filter(pk=fresh.pk).update(flagged_at=timezone.now() + dt.timedelta(days=3))
    rows = [r for r in overdue.collect(lead) if r.kind == "review"]
    assert [r.item.url for r in rows] == [f"/reviews/{late.pk}/"]
    assert rows[0].overdue


def test_the_customer_timeline_shows_the_review(make_review, order):
    review = make_review()
    items = [i for i in timeline(order.customer) if i.kind == "review"]
    assert items and items[0].url == f"/reviews/{review.pk}/"


def test_contacting_the_buyer_updates_the_customer_s_contact_dates(agent, make_review, order):
    from kefu.reviews import services

    review = make_review()
    review = services.act(
        actor=agent, review=review, action="analyse", data={"cause": "size", "attitude": "calm"}
    )
    services.act(actor=agent, review=review, action="contact", data={"contact_channel": "phone"})
    order.customer.refresh_from_db()
    assert order.customer.last_contact_at is not None


def test_the_list_asks_a_fixed_number_of_queries(
    login, agent, make_review, django_assert_max_num_queries
):
    for _ in range(3):
        make_review()
    client = login(agent)
    client.get("/reviews/")
    with django_assert_max_num_queries(25) as few:
        client.get("/reviews/")
    for _ in range(10):
        make_review()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/reviews/")


def test_the_today_page_and_dashboard_render_with_reviews(login, lead, make_review):
    late = make_review(text="物流太慢")
    Review.objects.filter(pk=late.pk).update(flagged_at=timezone.now() - dt.timedelta(hours=30))
    client = login(lead)
    today = client.get("/today/")
    assert today.status_code == 200 and f"/reviews/{late.pk}/" in today.content.decode()
    assert client.get("/").status_code == 200


def test_a_contact_time_from_the_screen_is_the_user_s_local_time(login, agent, make_review):
    review = make_review()
    Review.objects.filter(pk=review.pk).update(status="analysed")
    client = login(agent)
    bad = client.post(
        f"/reviews/{review.pk}/",
        {"action": "contact", "contact_channel": "phone", "contacted_at": "soon"},
    )
    assert bad.status_code == 400
    when = timezone.localtime(timezone.now() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    ok = client.post(
        f"/reviews/{review.pk}/",
        {"action": "contact", "contact_channel": "phone", "contacted_at": when},
    )
    assert ok.status_code == 302
    review.refresh_from_db()
    assert timezone.localtime(review.contacted_at).strftime("%Y-%m-%dT%H:%M") == when
