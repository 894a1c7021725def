"""Signals other features listen to, so they need not import the complaint workflow.

``complaint_closed(sender=Complaint, complaint=…, actor=…)`` is sent once the closing
transaction commits; the follow-up rules use it to plan the call after a complaint.
"""

from django.dispatch import Signal

complaint_closed = Signal()
