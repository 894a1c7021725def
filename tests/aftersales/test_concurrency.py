"""Two finance users confirm the same refund at the same moment: exactly one refund."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from kefu.aftersales import services
from kefu.aftersales.models import AftersalesCase, Refund
from kefu.core.errors import DomainError
from kefu.core.roles import Role

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks are PostgreSQL's; SQLite serialises"
    ),
]


def test_two_finance_users_confirming_at_once_make_one_refund(make_user, make_case, agent):
    case = services.act(actor=agent, case=make_case("refund_only", "quality"), action="agree")
    payers = [make_user(Role.FINANCE, f"fin{i}") for i in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def pay(user, reference):
        try:
            barrier.wait()
            services.confirm_refund(
                actor=user,
                case=AftersalesCase.objects.get(pk=case.pk),
                amount="300.00",
                reference=reference,
            )
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pay, args=(u, f"PAY-{i}")) for i, u in enumerate(payers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1, outcomes
    assert Refund.objects.filter(case=case).count() == 1
    assert AftersalesCase.objects.get(pk=case.pk).status == "refunded"
