from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.views.decorators.http import require_POST

from kefu.core import services as core_services
from kefu.web.decorators import staff_required


@staff_required("dashboard.view")
def dashboard(request):
    return render(request, "web/dashboard.html", {})


@require_POST
def set_language(request):
    """Switch the interface language; a signed-in user keeps it as their own setting."""
    code = request.POST.get("language", "")
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    if code and check_for_language(code) and code in dict(settings.LANGUAGES):
        if request.user.is_authenticated:
            core_services.set_user_language(actor=request.user, user=request.user, language=code)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 24 * 3600, samesite="Lax")
    return response


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})
