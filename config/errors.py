"""One shape for every API error: JSON {"code": ..., "detail": ...} with a fitting status.

Services raise `ServiceError` subclasses (typed, with a stable `code`); DRF's own exceptions keep their codes.
Validation errors add `errors`, the per-field messages, so a form can show each one where it belongs.
"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .outage import RETRY_AFTER_SECONDS, is_outage, log_outage, outage_body

logger = logging.getLogger(__name__)


class ServiceError(Exception):
    """A rule of the platform refused the action. `code` is stable; `message` is for people (translated)."""

    code = "error"
    status_code = status.HTTP_400_BAD_REQUEST
    default_message = _("The request could not be carried out.")

    def __init__(self, message=None, *, code: str | None = None, **extra):
        self.message = message or self.default_message
        if code:
            self.code = code
        self.extra = extra
        super().__init__(str(self.message))

    def as_dict(self) -> dict:
        return {"code": self.code, "detail": str(self.message), **self.extra}


class NotAllowed(ServiceError):
    code = "not_allowed"
    status_code = status.HTTP_403_FORBIDDEN
    default_message = _("You are not allowed to do this.")


class Conflict(ServiceError):
    code = "conflict"
    status_code = status.HTTP_409_CONFLICT
    default_message = _("The request conflicts with the current state.")


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "request_too_large"


def _leaves(codes, messages, field: str = "") -> list[tuple[str, str, str]]:
    """The (field, code, message) of every single error in DRF's nested ValidationError structures."""
    if isinstance(codes, dict) and isinstance(messages, dict):
        return [leaf for key in codes for leaf in _leaves(codes[key], messages.get(key), str(key))]
    if isinstance(codes, list) and isinstance(messages, list):
        return [leaf for c, m in zip(codes, messages, strict=False) for leaf in _leaves(c, m, field)]
    return [(field, str(codes), str(messages))]


def _first_code(codes) -> str:
    """The first leaf code of DRF's nested get_codes() structure."""
    while isinstance(codes, dict | list):
        if not codes:
            return "invalid"
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return str(codes)


def api_exception_handler(exc, context):
    if is_outage(exc):
        request = context.get("request")
        log_outage(exc, request.path if request is not None else "")
        return _response(outage_body(), status.HTTP_503_SERVICE_UNAVAILABLE, {"Retry-After": str(RETRY_AFTER_SECONDS)})
    if isinstance(exc, ServiceError):
        headers = {}
        if getattr(exc, "retry_after", None):
            headers["Retry-After"] = str(exc.retry_after)
        return _response(exc.as_dict(), exc.status_code, headers)

    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):  # the body is over DATA_UPLOAD_MAX_MEMORY_SIZE
        exc = RequestTooLarge()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django logs it and handler500 answers

    if isinstance(exc, exceptions.ValidationError):
        # The per-field messages go in `errors` for a form to place. When every error has the same code
        # (`username_taken`, `required`, `weak_password`) it leads; a single error's message is the detail.
        leaves = _leaves(exc.get_codes(), response.data)
        codes = {code for _field, code, _message in leaves}
        data = {
            "code": codes.pop() if len(codes) == 1 else "invalid",
            "detail": leaves[0][2] if len(leaves) == 1 else str(_("Some fields are not valid.")),
            "errors": response.data,
        }
    else:
        body = response.data if isinstance(response.data, dict) else {"detail": response.data}
        # SimpleJWT's errors put their code in the body ({"detail", "code", "messages"}), not on the detail.
        code = body.get("code")
        if not isinstance(code, str) or not code:
            code = _first_code(exc.get_codes()) if isinstance(exc, exceptions.APIException) else "error"
        data = {"code": code, "detail": str(body.get("detail", ""))}
        data.update({k: v for k, v in body.items() if k not in ("detail", "code")})
    if response.status_code >= 400:
        logger.info(
            "api error %s %s: %s",
            response.status_code,
            data["code"],
            context.get("request").path if context.get("request") else "",
        )
    response.data = data
    return response


def _response(data, status_code, headers=None):
    return Response(data, status=status_code, headers=headers)


def json_not_found(request, exception=None):
    return JsonResponse({"code": "not_found", "detail": str(_("Not found."))}, status=404)


def json_server_error(request):
    return JsonResponse({"code": "server_error", "detail": str(_("An unexpected error occurred."))}, status=500)


def json_bad_request(request, exception=None):
    return JsonResponse({"code": "bad_request", "detail": str(_("Bad request."))}, status=400)


def json_permission_denied(request, exception=None):
    return JsonResponse({"code": "permission_denied", "detail": str(_("Permission denied."))}, status=403)
