"""Per-request context that services read without it being passed down every call."""

from __future__ import annotations

import contextvars

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("kefu_request_id", default="")
