"""OpenAPI pieces shared by the catalogue and auction endpoints: the one shape of every error.

Every API error is JSON {"code", "detail"} (config.errors.api_exception_handler); validation errors add
"errors" (per field) and service refusals may add "field". These serializers only describe that shape.
"""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, machine-readable reason, e.g. `invalid_transition`.")
    detail = serializers.CharField(help_text="A message for people, in the request's language.")


class ValidationErrorSerializer(ErrorSerializer):
    errors = serializers.DictField(
        required=False,
        help_text="Per-field messages when the input did not have the right shape: {field: [message, ...]}.",
    )
    field = serializers.CharField(required=False, help_text="The field a rule refused, when there is one.")


_DESCRIPTIONS = {
    400: "The input is not valid (`invalid`, or a rule's code such as `reserve_below_start`).",
    401: "No valid access token (`not_authenticated`, `token_not_valid`).",
    403: "The signed-in user may not do this (`permission_denied`).",
    404: "No such object (`not_found`).",
    409: "The object's current state forbids it (`invalid_transition`, `not_editable`, `lot_number_taken`…).",
    422: "A rule refused the amount (`bid_off_increment`, `bid_too_high`, `credit_limit`).",
    429: "Too many requests (`throttled`); see Retry-After.",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """The documented error answers of an operation, for `extend_schema(responses=...)`."""
    return {
        status: OpenApiResponse(
            response=ValidationErrorSerializer if status == 400 else ErrorSerializer,
            description=_DESCRIPTIONS[status],
        )
        for status in sorted(set(statuses))
    }


READ_ERRORS = (429,)
READ_ONE_ERRORS = (404, 429)
WRITE_ERRORS = (400, 401, 403, 429)
