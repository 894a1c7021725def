"""The satisfaction survey after a ticket is solved (003: satisfaction surveys).

A sweep gives every recently solved ticket a survey. Its link carries a signed token
(``django.core.signing``, salted, with the survey's random nonce inside), so the customer
answers with one click and no login, and nobody can forge a link to another ticket: a
changed token fails the signature, a re-issued survey has a new nonce, and the ticket
takes one answer only (a unique row per ticket, answered once).

kefu does not send the link by itself: the ticket page shows it, and the agent sends it as
a public reply in the customer's language (:func:`send_link`), which records it on the
ticket like every other message.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.core import signing
from django.db import transaction
from django.db.models import Avg, Count
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kefu.core import audit
from kefu.core.errors import Conflict, DomainError, NotAllowed, NotFound
from kefu.core.roles import can
from kefu.followups import quiet
from kefu.followups.models import Survey

SALT = "kefu.followups.survey"
MAX_COMMENT = 2000


class LinkInvalid(NotFound):
    code = "survey_link_invalid"


class LinkExpired(DomainError):
    code = "survey_link_expired"
    status = 410


class AlreadyAnswered(Conflict):
    code = "survey_answered"


def token_for(survey: Survey) -> str:
    return signing.dumps({"s": survey.pk, "n": survey.nonce}, salt=SALT, compress=False)


def path_for(survey: Survey) -> str:
    return reverse("survey:answer", args=[token_for(survey)])


def survey_for_token(token: str) -> Survey:
    """The survey the token names; refuses an altered, foreign or expired token."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise LinkInvalid(_("This survey link is not valid.")) from None
    if not isinstance(data, dict) or not isinstance(data.get("s"), int):
        raise LinkInvalid(_("This survey link is not valid."))
    survey = (
        Survey.objects.select_related("ticket", "ticket__shop", "customer")
        .filter(pk=data["s"])
        .first()
    )
    if survey is None or not secrets.compare_digest(str(data.get("n", "")), survey.nonce):
        raise LinkInvalid(_("This survey link is not valid."))
    days = quiet.SURVEY_VALID_DAYS.get(shop=survey.ticket.shop)
    try:
        signing.loads(token, salt=SALT, max_age=dt.timedelta(days=days))
    except signing.SignatureExpired:
        if survey.answered_at is None:
            raise LinkExpired(_("This survey link has expired.")) from None
    return survey


def create_survey(*, actor, ticket, now: dt.datetime | None = None) -> tuple[Survey, bool]:
    """The ticket's survey, created if it has none; ``(survey, created)``."""
    from kefu.tickets.sla import DONE

    if actor is not None and not can(actor, "tickets.work"):
        raise NotAllowed(_("Your role cannot ask customers for a rating."))
    if ticket.status not in DONE:
        raise Conflict(
            _("The ticket is not solved yet; ask for a rating once it is."),
            code="ticket_not_solved",
        )
    existing = Survey.objects.filter(ticket=ticket).first()
    if existing is not None:
        return existing, False
    with transaction.atomic():
        survey, created = Survey.objects.get_or_create(
            ticket=ticket,
            defaults={
                "customer_id": ticket.customer_id,
                "nonce": secrets.token_hex(16),
                "language": ticket.language or ticket.customer.language,
                "created_at": now or timezone.now(),
            },
        )
        if created:
            audit.record(
                actor=actor, obj=survey, action="survey.create", changes={"ticket": ticket.pk}
            )
    return survey, created


def create_for_solved(now: dt.datetime | None = None) -> int:
    """The sweep: every ticket solved lately without a survey gets one."""
    from kefu.tickets.models import Ticket

    now = now or timezone.now()
    days = quiet.SURVEY_LOOKBACK_DAYS.get()
    tickets = Ticket.objects.filter(
        status__in=(Ticket.Status.SOLVED, Ticket.Status.CLOSED),
        solved_at__gte=now - dt.timedelta(days=days),
        survey__isnull=True,
    ).select_related("customer")
    return sum(create_survey(actor=None, ticket=t, now=now)[1] for t in tickets[:1000])


def link_message(survey: Survey, url: str) -> str:
    with translation.override(survey.language):
        return _(
            "Thank you for contacting us. How satisfied are you with our help? "
            "One click to rate us (no login needed): %(url)s"
        ) % {"url": url}


def send_link(*, actor, survey: Survey, base_url: str) -> Survey:
    """Send the link to the customer as a public reply on the ticket (recorded there)."""
    from kefu.tickets.models import Message
    from kefu.tickets.services import add_message

    if not can(actor, "tickets.work"):
        raise NotAllowed(_("Your role cannot send messages to customers."))
    if survey.answered_at is not None:
        raise AlreadyAnswered(_("The customer has answered the survey already."))
    with transaction.atomic():
        locked = Survey.objects.select_for_update().select_related("ticket").get(pk=survey.pk)
        add_message(
            actor=actor,
            ticket=locked.ticket,
            kind=Message.Kind.REPLY,
            body=link_message(locked, base_url.rstrip("/") + path_for(locked)),
            channel=locked.ticket.channel,
        )
        locked.sent_at, locked.sent_by = timezone.now(), actor
        locked.save(update_fields=["sent_at", "sent_by"])
        audit.record(actor=actor, obj=locked, action="survey.send")
    return locked


def answer(*, token: str, rating, comment: str = "") -> Survey:
    """The customer's answer: 1–5 and a comment, once."""
    survey = survey_for_token(token)
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    errors: dict[str, list[str]] = {}
    if not 1 <= rating <= 5:
        errors["rating"] = [_("Choose 1 to 5 stars.")]
    comment = (comment or "").strip()
    if "\x00" in comment:
        errors["comment"] = [_("The comment holds a character that cannot be stored.")]
    if len(comment) > MAX_COMMENT:
        errors["comment"] = [_("Keep it under %(n)s characters.") % {"n": MAX_COMMENT}]
    if errors:
        raise DomainError(next(iter(errors.values()))[0], fields=errors, code="validation_error")
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if locked.answered_at is not None:
            raise AlreadyAnswered(_("This survey was answered already. Thank you!"))
        locked.rating, locked.comment, locked.answered_at = rating, comment, timezone.now()
        locked.save(update_fields=["rating", "comment", "answered_at"])
        audit.record(
            actor=None,
            obj=locked,
            action="survey.answer",
            changes={"rating": rating, "ticket": locked.ticket_id},
        )
    return locked


# ---------------------------------------------------------------- reads


def for_ticket(ticket) -> Survey | None:
    return Survey.objects.filter(ticket=ticket).select_related("sent_by").first()


def stats(start: dt.datetime | None = None, end: dt.datetime | None = None) -> dict:
    """Answers in [start, end): count, average and the 1–5 distribution."""
    qs = Survey.objects.filter(answered_at__isnull=False)
    if start is not None:
        qs = qs.filter(answered_at__gte=start)
    if end is not None:
        qs = qs.filter(answered_at__lt=end)
    agg = qs.aggregate(n=Count("id"), avg=Avg("rating"))
    counts = dict(qs.values_list("rating").annotate(c=Count("id")).values_list("rating", "c"))
    return {
        "answered": agg["n"],
        "average": round(float(agg["avg"]), 2) if agg["avg"] is not None else None,
        "distribution": {r: counts.get(r, 0) for r in range(1, 6)},
        "sent": Survey.objects.filter(
            sent_at__isnull=False,
            **({"sent_at__gte": start} if start else {}),
            **({"sent_at__lt": end} if end else {}),
        ).count(),
    }
