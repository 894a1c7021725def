"""Every screen of the top bar, and the first record each list links to, opens for each
role that may see it (on the demo shop's data), and is refused to the others."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from kefu.core.demo import load_demo
from kefu.core.models import User
from kefu.core.roles import can
from kefu.web.context import nav_links

pytestmark = pytest.mark.django_db

ROLES = ("admin", "lead", "agent", "finance", "warehouse")
# a record page: /<screen>/<id>/ (tickets/12/, aftersales/3/, complaints/5/ …)
RECORD = re.compile(r'href="(/[a-z-]+/(?:[a-z-]+/)?\d+/)"')


@pytest.fixture
def demo(db):
    load_demo(customers=40, seed=11, password="demo-pass-1", out=lambda line: None)


@pytest.mark.parametrize("role", ROLES)
def test_each_screen_and_its_first_record_open_for_the_role(demo, role):
    client = Client()
    client.force_login(User.objects.get(username=role))
    user = User.objects.get(username=role)
    problems, opened_records = [], []
    for link in nav_links():
        url = reverse(link.url_name)
        response = client.get(url)
        expected = 200 if can(user, link.capability) else 403
        if response.status_code != expected:
            problems.append(f"{url}: {response.status_code}, expected {expected}")
            continue
        if expected != 200:
            continue
        html = response.content.decode()
        record = next((m for m in RECORD.findall(html) if m.startswith(url)), None)
        if record is not None:
            opened = client.get(record)
            opened_records.append(record)
            if opened.status_code != 200:
                problems.append(f"{record} (from {url}): {opened.status_code}")
    assert not problems, problems
    if role in ("admin", "lead"):  # the demo gives every list of theirs a record to open
        assert len(opened_records) >= 5, opened_records
