"""The review-recovery table (002 篇4 §4): flag → analyse → contact → resolve → ask for a
revision → revised or declined. The buyer may also turn us down (or revise on their own)
at any point after the first contact."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kefu.core.roles import Role
from kefu.core.workflow import SYSTEM, Workflow, rows

S = "flagged", "analysed", "contacted", "resolved", "revision_requested", "revised", "declined"
FLAGGED, ANALYSED, CONTACTED, RESOLVED, REQUESTED, REVISED, DECLINED = S
WORKERS = (Role.ADMIN, Role.LEAD, Role.AGENT)
WORKERS_AND_SYSTEM = (*WORKERS, SYSTEM)

REVIEW_WORKFLOW = Workflow(
    name="review",
    states=S,
    final_states=frozenset({REVISED, DECLINED}),
    transitions=rows(
        [
            (FLAGGED, "analyse", ANALYSED, WORKERS, {"label": _("Analyse")}),
            (ANALYSED, "contact", CONTACTED, WORKERS, {"label": _("Record the contact")}),
            (CONTACTED, "resolve", RESOLVED, WORKERS, {"label": _("Record the solution")}),
            (CONTACTED, "decline", DECLINED, WORKERS_AND_SYSTEM, {"label": _("Buyer declined")}),
            (CONTACTED, "revise", REVISED, WORKERS_AND_SYSTEM, {"label": _("Review revised")}),
            (RESOLVED, "request_revision", REQUESTED, WORKERS, {"label": _("Revision asked")}),
            (RESOLVED, "decline", DECLINED, WORKERS_AND_SYSTEM, {"label": _("Buyer declined")}),
            (RESOLVED, "revise", REVISED, WORKERS_AND_SYSTEM, {"label": _("Review revised")}),
            (REQUESTED, "revise", REVISED, WORKERS_AND_SYSTEM, {"label": _("Review revised")}),
            (REQUESTED, "decline", DECLINED, WORKERS_AND_SYSTEM, {"label": _("Buyer declined")}),
        ]
    ),
)

OPEN_STATES = (FLAGGED, ANALYSED, CONTACTED, RESOLVED, REQUESTED)
TO_CONTACT = (FLAGGED, ANALYSED)
CLOSED_STATES = (REVISED, DECLINED)
