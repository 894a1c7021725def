import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kefu.complaints.models import Complaint, Status
from tests.complaints.helpers import register, walk_to
from tests.factories import make_customer, make_order, make_ticket

pytestmark = pytest.mark.django_db


def test_list_shows_complaints_and_filters(login, agent, lead, shop):
    quality = register(agent, shop, category="quality", content="围巾起球")
    service = register(agent, shop, category="service", content="客服回复太慢")
    walk_to(service, Status.INVESTIGATING, agent=agent, lead=lead)
    client = login(agent)
    page = client.get(reverse("complaints:list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "围巾起球" in html and "客服回复太慢" in html
    page = client.get(reverse("complaints:list"), {"category": "service"})
    assert "客服回复太慢" in page.content.decode()
    assert "围巾起球" not in page.content.decode()
    page = client.get(reverse("complaints:list"), {"status": "registered"})
    assert f"complaint-{quality.pk}" in page.content.decode()
    assert f"complaint-{service.pk}" not in page.content.decode()
    bad = client.get(reverse("complaints:list"), {"status": "sleeping"})
    assert "Unknown status" in bad.content.decode()


@pytest.mark.parametrize("fixture", ["finance", "warehouse"])
def test_back_office_gets_403_on_every_screen(request, login, fixture, agent, shop):
    c = register(agent, shop)
    client = login(request.getfixturevalue(fixture))
    for url in (
        reverse("complaints:list"),
        reverse("complaints:create"),
        reverse("complaints:detail", args=[c.pk]),
        reverse("complaints:classification"),
        reverse("complaints:export") + "?format=xlsx",
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(
        reverse("complaints:act", args=[c.pk, "judge_founded"]), {"department": "x"}
    )
    assert response.status_code == 403


def test_anonymous_goes_to_login(client, agent, shop):
    response = client.get(reverse("complaints:list"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_register_from_a_ticket_is_prefilled(login, agent, shop):
    customer = make_customer(name="李娜")
    order = make_order(shop=shop, customer=customer, external_id="TB000777")
    ticket = make_ticket(shop=shop, customer=customer, body="收到的围巾有破洞", order=order)
    client = login(agent)
    page = client.get(reverse("complaints:create"), {"ticket": ticket.pk})
    html = page.content.decode()
    assert "收到的围巾有破洞" in html and "TB000777" in html and "李娜" in html
    response = client.post(
        reverse("complaints:create"),
        {
            "customer": customer.pk,
            "ticket": ticket.pk,
            "order": "TB000777",
            "channel": "chat",
            "category": "quality",
            "severity": "high",
            "content": "收到的围巾有破洞",
            "occurred_at": "",
            "complainant_name": "",
        },
    )
    c = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == c.get_absolute_url()
    assert (c.ticket, c.order, c.shop, c.customer) == (ticket, order, shop, customer)


def test_register_form_shows_field_errors(login, agent, shop):
    customer = make_customer()
    response = login(agent).post(
        reverse("complaints:create"),
        {
            "customer": customer.pk,
            "order": "NOPE",
            "channel": "chat",
            "category": "quality",
            "severity": "high",
            "content": "",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "This customer has no order with this number." in html
    assert "This field is required." in html
    assert not Complaint.objects.exists()


def test_detail_offers_only_the_role_s_steps(login, agent, lead, shop):
    c = register(agent, shop)
    agent_html = login(agent).get(c.get_absolute_url()).content.decode()
    lead_html = login(lead).get(c.get_absolute_url()).content.decode()
    assert 'id="action-judge_founded"' in agent_html
    assert 'id="action-dismiss"' not in agent_html
    assert 'id="action-dismiss"' in lead_html


def test_agent_cannot_choose_the_solution_by_posting(login, agent, lead, shop):
    c = walk_to(register(agent, shop), Status.SOLUTIONS_PROPOSED, agent=agent, lead=lead)
    solution = c.solutions.get()
    url = reverse("complaints:act", args=[c.pk, "choose_solution"])
    refused = login(agent).post(url, {"solution": solution.pk, "instruction": "go"})
    assert refused.status_code == 403
    assert "Your role cannot" in refused.content.decode()
    c.refresh_from_db()
    assert c.status == Status.SOLUTIONS_PROPOSED
    done = login(lead).post(url, {"solution": solution.pk, "instruction": "go"})
    assert done.status_code == 302
    c.refresh_from_db()
    assert c.status == Status.IMPLEMENTING


def test_a_step_with_missing_fields_shows_the_error_and_keeps_input(login, agent, shop):
    c = register(agent, shop)
    url = reverse("complaints:act", args=[c.pk, "judge_founded"])
    response = login(agent).post(url, {"department": "", "reply": "稍后回复您"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Name the responsible department." in html and "稍后回复您" in html


def test_the_whole_loop_on_the_screens(login, agent, lead, shop):
    c = register(agent, shop)
    a, boss = login(agent), login(lead)

    def post(client, action, **data):
        r = client.post(reverse("complaints:act", args=[c.pk, action]), data)
        assert r.status_code == 302, r.content.decode()[:2000]

    post(a, "judge_founded", department="质检部")
    post(a, "record_cause", cause="面料批次问题", owner=agent.pk)
    post(a, "propose", description="换新")
    post(boss, "choose_solution", solution=c.solutions.get().pk, instruction="今天寄出")
    post(
        a,
        "implement",
        implementation_note="已寄",
        accountable="仓库",
        accountability_measure="培训",
    )
    post(a, "confirm", acceptance="顾客旺旺确认")
    post(a, "record_followup", followup_note="满意")
    post(a, "close")
    c.refresh_from_db()
    assert c.status == Status.CLOSED
    html = a.get(c.get_absolute_url()).content.decode()
    assert "面料批次问题" in html and "Close the complaint file" in html
    assert 'id="action-reopen"' not in html
    assert 'id="action-reopen"' in boss.get(c.get_absolute_url()).content.decode()


def test_xlsx_export_holds_the_register(login, agent, lead, shop):
    customer = make_customer(name="김민지")
    order = make_order(shop=shop, customer=customer, external_id="CP-1001")
    c = register(agent, shop, customer=customer, order=order, content="=HYPERLINK(bad)")
    walk_to(c, Status.CAUSE_FOUND, agent=agent, lead=lead)
    register(agent, shop, category="service", content="배송이 늦어요")
    response = login(agent).get(reverse("complaints:export"), {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    assert header[:4] == ("No.", "Shop", "Complainant", "Customer")
    assert len(rows) == 3
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    mine = by_id[c.pk]
    assert mine["Customer"] == "김민지" and mine["Order"] == "CP-1001"
    assert mine["Category"] == "Quality" and mine["Status"] == "Cause found"
    assert mine["Content"] == "'=HYPERLINK(bad)"  # never a formula
    assert mine["Cause"] == "批次面料问题" and mine["Responsible department"] == "质检部"
    filtered = login(agent).get(
        reverse("complaints:export"), {"format": "xlsx", "category": "service"}
    )
    rows = list(load_workbook(io.BytesIO(filtered.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][10] == "배송이 늦어요"


def test_csv_export(login, agent, shop):
    register(agent, shop, content="物流太慢")
    response = login(agent).get(reverse("complaints:export"), {"format": "csv"})
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("No.,Shop,Complainant")
    assert "物流太慢" in text
    assert login(agent).get(reverse("complaints:export"), {"format": "pdf"}).status_code == 400


def test_classification_page_draws_the_chart(login, lead, agent, shop):
    register(agent, shop)
    page = login(lead).get(reverse("complaints:classification"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-chart="complaint-classification"' in html and "echarts.min.js" in html
    bad = login(lead).get(reverse("complaints:classification"), {"start": "yesterday"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.content.decode()
    xlsx = login(lead).get(reverse("complaints:classification"), {"format": "xlsx"})
    assert load_workbook(io.BytesIO(xlsx.content)).active["A1"].value == "Category"


def test_list_and_api_queries_do_not_grow_with_rows(login, api_as, agent, lead, shop):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(fetch):
        with CaptureQueriesContext(connection) as ctx:
            assert fetch().status_code == 200
        return len(ctx.captured_queries)

    client, api = login(lead), api_as(lead)
    for _ in range(2):
        walk_to(register(agent, shop), Status.CAUSE_FOUND, agent=agent, lead=lead)
    api.get("/complaints")  # the token's first use is recorded once
    few = count(lambda: client.get(reverse("complaints:list")))
    few_api = count(lambda: api.get("/complaints"))
    for _ in range(6):
        walk_to(register(agent, shop), Status.CAUSE_FOUND, agent=agent, lead=lead)
    assert count(lambda: client.get(reverse("complaints:list"))) == few
    assert count(lambda: api.get("/complaints")) == few_api


def test_register_form_from_a_customer_page(login, agent):
    customer = make_customer(name="Emma Stone")
    client = login(agent)
    assert client.get(reverse("complaints:create")).status_code == 200
    page = client.get(reverse("complaints:create"), {"customer": customer.pk}).content.decode()
    assert "Customer: Emma Stone" in page


def test_the_history_names_steps_states_and_people_not_codes(login, lead, make_user, shop):
    from django.utils import translation

    from kefu.complaints.services import register_complaint
    from tests.factories import make_customer

    agent = make_user("agent", "wang", display_name="王芳")
    complaint = register_complaint(
        actor=agent,
        customer=make_customer(name="赵杰"),
        content="客服态度差",
        channel="chat",
        category="service",
        severity="medium",
        shop=shop,
    )
    with translation.override("en"):
        html = login(lead).get(complaint.get_absolute_url()).content.decode()
    assert "complaint.register" not in html
    assert "王芳 · <strong>Registered</strong>" in html
