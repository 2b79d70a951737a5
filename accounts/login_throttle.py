"""Sign-in throttling (django-axes): what a refused sign-in looks like, for the API and for the Django admin.

Axes counts failed sign-ins per account name and per client address (AXES_LOCKOUT_PARAMETERS), whether the account
exists or not, and past AXES_FAILURE_LIMIT refuses every attempt, the right password included, until
AXES_COOLOFF_TIME has passed since the last one. Each refused attempt counts as a failure too, so a guesser who keeps
trying stays shut out. The answer never names the account nor says whether it exists.
"""

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from rest_framework import status

from config.errors import ServiceError


def retry_after_seconds() -> int:
    """The lockout lasts the whole cool-off from the attempt just refused (which counted as a failure)."""
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def throttled_detail() -> str:
    minutes = max(1, round(retry_after_seconds() / 60))
    return str(_("Too many failed sign-in attempts. Please try again in %(minutes)d minutes.") % {"minutes": minutes})


class LoginThrottled(ServiceError):
    code = "login_throttled"
    status_code = status.HTTP_429_TOO_MANY_REQUESTS

    def __init__(self):
        super().__init__(throttled_detail())
        self.retry_after = retry_after_seconds()


def is_locked_out(request) -> bool:
    """Whether axes refused this request's sign-in: set on the request when the failure it recorded reached the
    limit (the right password during a lockout is recorded as a failure as well)."""
    return bool(getattr(request, "axes_locked_out", False))


def lockout_response(request, *_args, **_kwargs):
    """AXES_LOCKOUT_CALLABLE: the page the Django admin's login answers with during a lockout."""
    response = render(
        request,
        "accounts/login_throttled.html",
        {"detail": throttled_detail(), "site_header": _("Umaseri sale administration")},
        status=status.HTTP_429_TOO_MANY_REQUESTS,
    )
    response["Retry-After"] = str(retry_after_seconds())
    return response
