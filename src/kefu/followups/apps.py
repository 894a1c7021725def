from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupsConfig(AppConfig):
    name = "kefu.followups"
    label = "followups"
    verbose_name = _("Follow-ups")

    def ready(self) -> None:
        from kefu.complaints.signals import complaint_closed
        from kefu.customers import timeline
        from kefu.followups import quiet, selectors  # noqa: F401  (quiet declares policies)
        from kefu.web import overdue

        timeline.register("followup", selectors.timeline_items)
        overdue.register("followup", _("Follow-up calls"), selectors.overdue_items)
        complaint_closed.connect(
            _on_complaint_closed, dispatch_uid="kefu.followups.complaint_closed"
        )


def _on_complaint_closed(sender, complaint, actor=None, **kwargs) -> None:
    """Call the customer back within 3 days of closing their complaint (003)."""
    from kefu.followups.services import plan_after_complaint

    plan_after_complaint(complaint)
