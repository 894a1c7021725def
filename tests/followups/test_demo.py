"""The demo shows every follow-up screen with rows in every state."""

from __future__ import annotations

import pytest

from kefu.core.demo import load_demo
from kefu.followups.models import CallScript, Event, FollowUpTask, Survey

pytestmark = pytest.mark.django_db


def test_the_demo_has_calls_in_every_state_scripts_and_survey_answers():
    lines: list[str] = []
    counts = load_demo(customers=60, seed=7, password="demo-pw-77", out=lines.append)
    assert counts["follow-up calls"] > 0
    states = set(FollowUpTask.objects.values_list("status", flat=True))
    assert {"open", "rescheduled", "done", "failed", "cancelled"} <= states
    from django.utils import timezone

    assert FollowUpTask.objects.filter(status="open", due_end__lt=timezone.now()).exists()
    script = CallScript.objects.get(shop=None, reason="delivery")
    assert script.text_zh and script.text_ko and script.text_en
    assert Survey.objects.filter(answered_at__isnull=False).exists()
    assert Event.objects.filter(is_demo=True).exists()
    load_demo(customers=60, seed=7, password="demo-pw-77", reset=True, out=lines.append)
    assert Event.objects.filter(is_demo=True).count() == len(
        {e.shop_id for e in Event.objects.filter(is_demo=True)}
    )
