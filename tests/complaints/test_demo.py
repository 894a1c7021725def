"""The complaint demo: every step, three languages, some overdue, gone on reset."""

import pytest
from django.utils import timezone

from kefu.complaints.models import Complaint, Status
from kefu.core import demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def only_complaints(monkeypatch):
    monkeypatch.setattr(demo, "DEMO_STEPS", ["kefu.complaints.demo"])


def test_demo_has_every_state_languages_and_overdue(only_complaints):
    lines: list[str] = []
    counts = demo.load_demo(customers=60, seed=3, password="pw-demo-1", out=lines.append)
    assert counts["complaints"] >= 39
    statuses = set(Complaint.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)
    assert Complaint.objects.filter(status=Status.CLOSED, founded=False).exists()
    languages = set(Complaint.objects.values_list("customer__language", flat=True))
    assert languages == {"zh-hans", "ko", "en"}
    now = timezone.now()
    late = Complaint.objects.exclude(status=Status.CLOSED).filter(due_at__lt=now)
    assert late.count() >= 3
    assert late.filter(overdue_flagged_at__isnull=False).count() == late.count()
    assert any(line.startswith("complaints:") for line in lines)
    # a reset takes the complaints with the demo customers
    demo.load_demo(customers=60, seed=3, password="pw-demo-1", reset=True, out=lines.append)
    assert Complaint.objects.count() == counts["complaints"]
