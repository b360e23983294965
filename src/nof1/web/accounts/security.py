"""Security events: sign-ins, failed sign-ins, sign-outs, ended sessions and refused access.

Each event is called explicitly where it happens (a view, a decorator, the session middleware;
never a signal receiver) and goes two places: the append-only audit trail
(`nof1.web.audit.services.record`) and the "nof1.security" logger, for operators watching live.
Secrets never reach either: no passwords, no invitation tokens, no one-time codes.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest

from nof1.web.audit.models import Action
from nof1.web.audit.services import record

logger = logging.getLogger("nof1.security")


def client_address(request: HttpRequest) -> str:
    # django-axes has already worked out the client's address (proxy-aware) on most requests.
    return str(getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR", ""))


def log_event(
    request: HttpRequest,
    action: Action,
    *,
    reason: str = "",
    user: Any = None,
    target: Any = None,
    **detail: Any,
) -> None:
    """Record one security event: who (the signed-in person unless `user` is given), what,
    from which address and page, and why. `detail` is stored with the event; keep it small."""
    if user is None:
        candidate = getattr(request, "user", None)
        if candidate is not None and candidate.is_authenticated:
            user = candidate
    new = {"address": client_address(request), "path": request.path, **detail}
    record(actor=user, action=action, target=target, new=new, reason=reason)
    who = user.get_username() if user is not None else detail.get("username", "")
    logger.info(
        "%s user=%s address=%s path=%s reason=%s",
        action.value,
        who or "-",
        new["address"] or "-",
        request.path,
        reason or "-",
    )
