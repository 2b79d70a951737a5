"""Every endpoint of the OpenAPI document, fuzzed (issue 12): schemathesis generates valid and malformed requests
for each operation, bids included, and sends them in-process on the real PostgreSQL as an organizer, as an
approved bidder and anonymously. No answer may be a server error. Bounded: a handful of examples per operation.

The bid endpoint and the socket's bid frames also get a property-based run of their own (hypothesis): whatever
JSON arrives as an amount or a key, the answer carries a code, nothing crashes, and every audit chain verifies.
"""

import json

import pytest
import schemathesis
from channels.testing import WebsocketCommunicator
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework_simplejwt.tokens import AccessToken
from schemathesis.checks import not_a_server_error

from auctions.audit import audit_verify_chain, audited_auction_ids
from config.asgi import application
from tests.accounts.factories import BidderFactory
from tests.auctions.factories import ActiveAuctionFactory, AuctionFactory, ScheduledAuctionFactory
from tests.conftest import client_for
from tests.horses.factories import HorseFactory

EXAMPLES_PER_OPERATION = 6


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_no_endpoint_answers_a_server_error_to_anyone(auctioneer):
    from django.conf import settings as django_settings

    django_settings.BID_RATE_LIMIT_PER_MINUTE = 100_000
    # Lots in each state (small ids are what the generator tries first), a free horse, and a bidder with a token.
    AuctionFactory()
    ScheduledAuctionFactory()
    ActiveAuctionFactory()
    HorseFactory()
    tokens = [
        client_for(auctioneer)._credentials["HTTP_AUTHORIZATION"],
        client_for(BidderFactory())._credentials["HTTP_AUTHORIZATION"],
        None,
    ]
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path == "/api/auth/logout/":
            continue  # it would blacklist the tokens the other operations use; tests/accounts covers it

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
            for token in tokens:
                headers = {"Authorization": token} if token else {}
                response = case.call(headers=headers)
                case.validate_response(response, checks=[not_a_server_error], headers=headers)

        run()
        checked.append(f"{operation.method.upper()} {operation.path}")

    print(f"fuzzed {len(checked)} operations x {EXAMPLES_PER_OPERATION} examples x {len(tokens)} identities")
    assert any("/bids/" in line for line in checked), checked
    assert len(checked) >= 25, checked
    assert all(audit_verify_chain(auction_id=pk).ok for pk in audited_auction_ids())


# Anything JSON can carry, and some of what it cannot (NaN and infinities arrive from Python clients).
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=80),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=6,
)
fuzz = settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.django_db(transaction=True)
def test_any_amount_or_key_on_the_bid_endpoint_gets_a_coded_answer():
    from django.conf import settings as django_settings

    django_settings.BID_RATE_LIMIT_PER_MINUTE = 100_000
    lot = ActiveAuctionFactory()
    client = client_for(BidderFactory())

    @fuzz
    @given(amount=json_values, key=st.one_of(st.just(None), json_values, st.uuids().map(str)))
    def run(amount, key):
        body = json.dumps({"amount": amount, "idempotency_key": key}, allow_nan=True)
        response = client.post(f"/api/auctions/{lot.pk}/bids/", body, content_type="application/json")
        assert response.status_code < 500, response.content
        assert response.status_code == 201 or response.json()["code"]

    run()
    assert audit_verify_chain(auction_id=lot.pk).ok


async def _one_bid_frame(lot_id: int, token: str, frame: dict) -> tuple[dict, dict]:
    """Send one frame on a fresh socket that has joined the lot; return the answer and the state asked for after."""
    socket = WebsocketCommunicator(
        application, f"/ws/auctions/?token={token}", headers=[(b"origin", b"http://localhost")]
    )
    assert (await socket.connect())[0]
    await socket.receive_json_from()
    await socket.send_json_to({"type": "auction:join", "auction_id": lot_id})
    assert (await socket.receive_json_from())["type"] == "auction:state"
    await socket.send_to(text_data=json.dumps(frame, allow_nan=True))
    answer = await socket.receive_json_from(timeout=5)
    await socket.send_json_to({"type": "auction:state", "auction_id": lot_id})
    after = await socket.receive_json_from(timeout=5)
    await socket.disconnect()
    return answer, after


@pytest.mark.django_db(transaction=True)
def test_any_bid_frame_gets_a_coded_answer_and_the_socket_lives_on():
    from asgiref.sync import async_to_sync
    from django.conf import settings as django_settings

    django_settings.BID_RATE_LIMIT_PER_MINUTE = 100_000
    lot = ActiveAuctionFactory()
    token = str(AccessToken.for_user(BidderFactory()))
    frames = st.fixed_dictionaries(
        {"type": st.just("auction:bid"), "auction_id": st.just(lot.pk)},
        optional={"amount": json_values, "idempotency_key": st.one_of(json_values, st.uuids().map(str))},
    )

    @settings(max_examples=40, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(frame=frames)
    def run(frame):
        answer, after = async_to_sync(_one_bid_frame)(lot.pk, token, frame)
        assert answer["type"] in ("auction:bid:accepted", "auction:bid:rejected", "error"), answer
        assert answer["type"] == "auction:bid:accepted" or answer["code"]
        assert after["type"] == "auction:state"  # the socket still answers

    run()
    assert audit_verify_chain(auction_id=lot.pk).ok
