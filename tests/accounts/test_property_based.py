"""A property-based run over the account endpoints, the vet-document endpoint and the paginated lists: no 5xx, and
no answer the OpenAPI document does not describe.

Schemathesis reads the document, generates requests (valid and malformed) for each operation and sends them
in-process to the WSGI application on the real PostgreSQL, signed in as an approved bidder (who reaches the
document endpoint and the signed-in paths) and anonymously. Bounded: a few hundred requests.
"""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance

from tests.conftest import client_for

EXAMPLES_PER_OPERATION = 25
OWN_PATHS = {
    "/api/auth/register/",
    "/api/auth/token/",
    "/api/auth/token/refresh/",
    "/api/auth/logout/",
    "/api/auth/me/",
    "/api/auth/confirm-email/",
    "/api/auth/confirm-email/resend/",
    "/api/auth/conditions/",
    "/api/horses/{id}/documents/{document_id}/file/",
}
# The paginated lists, for `?limit=` and `?offset=`: other parts document their own answers, so only "no 5xx" here.
LISTS = {
    "/api/horses/",
    "/api/auctions/",
    "/api/auctions/{auction_id}/bids/",
    "/api/me/bids/",
    "/api/watchlist/",
    "/api/notifications/",
}
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_account_document_and_list_endpoints_never_answer_5xx_nor_off_the_document(bidder):
    from horses.models import HorseDocument
    from tests.auctions.factories import ActiveAuctionFactory
    from tests.horses.factories import HorseFactory, pdf_upload

    # Objects at the small ids the generator tries first: a horse with a document, a running lot
    horse = HorseFactory()
    HorseDocument.objects.create(horse=horse, title="獣医所見", file=pdf_upload())
    ActiveAuctionFactory()
    token = client_for(bidder)._credentials["HTTP_AUTHORIZATION"]
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    checked = []

    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in OWN_PATHS:
            run_operation(operation, token, CHECKS)
        elif operation.path in LISTS and operation.method.upper() == "GET":
            run_operation(operation, token, [not_a_server_error])
        else:
            continue
        checked.append(f"{operation.method.upper()} {operation.path}")

    assert len(checked) >= len(OWN_PATHS) + len(LISTS), sorted(checked)


def run_operation(operation, token: str, checks: list) -> None:
    """Generated requests for one operation, each sent signed in and anonymously."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        for headers in ({"Authorization": token}, {}):
            response = case.call(headers=headers)
            case.validate_response(response, checks=checks, headers=headers)

    run()
