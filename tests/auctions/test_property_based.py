"""Acceptance 4: a property-based run against the catalogue and auction API finds no server error.

Schemathesis reads the OpenAPI document, generates requests for every catalogue and auction operation (valid
ones and malformed ones), and sends them in-process to the WSGI application on the real PostgreSQL, as an
organizer (who reaches every write path) and anonymously. A 5xx fails the run, and so does an answer the
document does not describe (an undocumented status, or a body of the wrong shape). Bounded: a few hundred
requests, well under a minute.
"""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance

from tests.auctions.factories import ActiveAuctionFactory, AuctionFactory, ScheduledAuctionFactory, sale_of_day
from tests.conftest import client_for
from tests.horses.factories import HorseFactory

EXAMPLES_PER_OPERATION = 10
# This surface; the bids, follows and reports under /api/auctions/ belong to other parts and their tests.
OWN_PATHS = {
    "/api/horses/",
    "/api/horses/{id}/",
    "/api/horses/{id}/photos/",
    "/api/horses/{id}/photos/{photo_id}/",
    "/api/horses/{id}/documents/",
    "/api/horses/{id}/documents/{document_id}/",
    "/api/auctions/",
    "/api/auctions/{id}/",
    "/api/auctions/{id}/schedule/",
    "/api/auctions/{id}/start/",
    "/api/auctions/{id}/cancel/",
    "/api/auctions/{id}/pause/",
    "/api/auctions/{id}/resume/",
    "/api/auctions/{id}/withdraw/",
    "/api/auctions/{id}/message/",
    "/api/sales/",
    "/api/sales/{id}/",
    "/api/invoices/",
    "/api/invoices/{id}/",
}
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def _operations(schema):
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in OWN_PATHS:
            yield operation


def _strategy(operation, *, free_horse_id: int, sale_id: int):
    """For creating a lot, half of the bodies name a real, free horse and today's sale, so that generated prices,
    tables and times get past the shape checks and into the rules."""
    strategy = operation.as_strategy()
    if operation.method.upper() != "POST" or operation.path != "/api/auctions/":
        return strategy

    def plausible(pair):
        case, aim = pair
        if aim and isinstance(case.body, dict):
            case.body.update(horse=free_horse_id, sale=sale_id)
        return case

    return st.tuples(strategy, st.booleans()).map(plausible)


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_catalogue_and_auction_api_never_answer_5xx_nor_off_the_document(auctioneer):
    # Lots in each open state (ids 1, 2, 3; small ids are what the generator tries first) and a free horse.
    AuctionFactory()
    ScheduledAuctionFactory()
    ActiveAuctionFactory()
    free_horse = HorseFactory()
    sale = sale_of_day(timezone.localdate())
    token = client_for(auctioneer)._credentials["HTTP_AUTHORIZATION"]
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    checked = []

    for operation in _operations(schema):

        @given(case=_strategy(operation, free_horse_id=free_horse.pk, sale_id=sale.pk))
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
                case.validate_response(response, checks=CHECKS, headers=headers)

        run()
        checked.append(f"{operation.method.upper()} {operation.path}")

    assert len(checked) >= 15, checked
