"""The customer's survey page: no login, the signed token is the key, the page speaks the
customer's language. A bad, foreign or used link gets a clear page and changes nothing."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from kefu.core.errors import DomainError
from kefu.followups import surveys


@never_cache
@csrf_protect
def answer(request, token: str):
    try:
        survey = surveys.survey_for_token(token)
    except DomainError as exc:
        return render(
            request, "followups/survey_refused.html", {"message": exc.message}, status=exc.status
        )
    with translation.override(survey.language):
        context = {"survey": survey, "token": token, "errors": {}, "values": {}}
        if survey.answered_at is not None:
            return render(request, "followups/survey_thanks.html", {**context, "again": True})
        if request.method == "POST":
            try:
                surveys.answer(
                    token=token,
                    rating=request.POST.get("rating"),
                    comment=request.POST.get("comment", ""),
                )
            except surveys.AlreadyAnswered:
                return render(request, "followups/survey_thanks.html", {**context, "again": True})
            except DomainError as exc:
                context.update(errors=exc.fields, values=request.POST, message=exc.message)
                return render(request, "followups/survey.html", context, status=exc.status)
            return render(request, "followups/survey_thanks.html", context)
        return render(request, "followups/survey.html", context)
