"""E-mails rendered in Japanese and in English (Django's locmem backend)."""

import pytest
from django.core import mail

from notifications import services, tasks
from tests.accounts.factories import BidderFactory
from tests.bidding.factories import ActiveAuctionFactory, HorseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lot(db):
    return ActiveAuctionFactory(lot_number=27, horse=HorseFactory(name="サクラノシラベ"))


def send(user, lot, kind, **data):
    notification = services.notification_create(
        user_id=user.pk,
        kind=kind,
        dedupe_key=f"test:{kind}",
        auction=lot,
        data={"lot_number": lot.lot_number, "horse_name": lot.horse.name, **data},
    )
    tasks.send_notification_email(notification.pk)
    return mail.outbox[-1]


def test_outbid_email_in_japanese(lot):
    message = send(BidderFactory(language="ja", last_name="山田"), lot, "outbid", amount=12_300_000)
    assert "上場番号27" in message.subject
    assert "サクラノシラベ" in message.subject
    assert "¥12,300,000" in message.body
    assert f"/auctions/{lot.pk}" in message.body
    html, mime = message.alternatives[0]
    assert mime == "text/html"
    assert 'lang="ja"' in html
    assert "上場馬を見る" in html


def test_outbid_email_in_english(lot):
    message = send(BidderFactory(language="en"), lot, "outbid", amount=12_300_000)
    assert message.subject.startswith("[Umaseri] You have been outbid on lot 27")
    assert "¥12,300,000" in message.body
    assert "上場" not in message.body
    assert 'lang="en"' in message.alternatives[0][0]


@pytest.mark.parametrize(
    ("language", "status", "expected"),
    [
        ("ja", "sold", "落札"),
        ("ja", "unsold", "主取り"),
        ("en", "sold", "sold for ¥5,000,000"),
        ("en", "unsold", "passed in"),
    ],
)
def test_consignor_result_in_both_languages(lot, language, status, expected):
    message = send(
        BidderFactory(language=language),
        lot,
        "consignor_result",
        status=status,
        hammer_price=5_000_000,
        bid_count=4,
        reserve_met=status == "sold",
    )
    assert expected in message.body


@pytest.mark.parametrize("kind", ["outbid", "won", "lost", "watch_started", "watch_closing", "consignor_result"])
@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_kind_renders_a_subject_and_a_body(lot, kind, language):
    message = send(BidderFactory(language=language), lot, kind, amount=1_000_000, hammer_price=1_000_000, status="sold")
    assert message.subject and "\n" not in message.subject
    assert lot.horse.name in message.subject + message.body
    assert message.body.strip()
