"""The buyer's invoice (適格請求書): issued by the close for every sold lot, numbered in sequence per sale, read by
its buyer and by staff, rendered as a PDF whose text is read back, listed in a staff CSV, and e-mailed."""

import csv
import html
import io
import re
from datetime import timedelta
from decimal import Decimal

import pypdf
import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from auctions.invoice_pdf import invoice_pdf
from auctions.models import Auction, AuctionStatus, Invoice
from auctions.services import auction_close
from notifications import services as notifications
from notifications import tasks
from tests.accounts.factories import BidderFactory
from tests.auctions.factories import SaleFactory, auctioneers_group
from tests.bidding.conftest import place
from tests.bidding.factories import ActiveAuctionFactory, HorseFactory
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def sold(sale, buyer, amount=1_000_000, **kwargs) -> Auction:
    """A lot of `sale` bid to `amount` by `buyer`, then closed by the real close."""
    auction = ActiveAuctionFactory(sale=sale, reserve_price=None, start_price=amount, **kwargs)
    place(auction, buyer, amount)
    Auction.objects.filter(pk=auction.pk).update(ends_at=timezone.now() - timedelta(milliseconds=1))
    closed = auction_close(auction_id=auction.pk)
    assert closed.status == AuctionStatus.SOLD
    return closed


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_the_close_issues_one_invoice_per_sold_lot_numbered_in_sequence_per_sale(bidder, rival):
    summer, autumn = SaleFactory(), SaleFactory()
    first = sold(summer, bidder, 1_000_000)
    other_sale = sold(autumn, rival, 2_000_000)
    second = sold(summer, rival, 3_000_000)
    unsold = ActiveAuctionFactory(sale=summer)
    Auction.objects.filter(pk=unsold.pk).update(ends_at=timezone.now() - timedelta(milliseconds=1))
    auction_close(auction_id=unsold.pk)

    assert [(i.auction_id, i.number) for i in Invoice.objects.filter(sale=summer).order_by("number")] == [
        (first.pk, 1),
        (second.pk, 2),
    ]
    assert Invoice.objects.get(sale=autumn).auction_id == other_sale.pk
    assert Invoice.objects.get(auction=second).display_number == f"{summer.pk:04d}-00002"
    assert not Invoice.objects.filter(auction=unsold).exists()


def test_an_invoice_fixes_the_sales_terms_as_they_stood_at_the_hammer(bidder):
    sale = SaleFactory(buyer_premium_rate=Decimal("0.08"), invoice_registration_number="T9876543210987")
    invoice = sold(sale, bidder, 1_234_567).invoice

    sale.buyer_premium_rate = Decimal("0.05")
    sale.save()
    invoice.refresh_from_db()

    # 1,234,567 × 8 % = 98,765.36 → 98,765; (1,234,567 + 98,765) × 10 % = 133,333.2 → 133,333
    assert (invoice.buyer_premium_rate, invoice.buyer_premium) == (Decimal("0.0800"), 98_765)
    assert (invoice.consumption_tax_rate, invoice.consumption_tax) == (Decimal("0.1000"), 133_333)
    assert invoice.total == 1_466_665
    assert invoice.registration_number == "T9876543210987"
    assert invoice.buyer == bidder


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "ja",
            [
                "適格請求書",
                "登録番号",
                "T9876543210987",
                "落札価格",
                "¥1,234,567",
                "購買者手数料（5%）",
                "¥61,728",
                "消費税（10%）",
                "¥129,629",
                "合計（税込）",
                "¥1,425,924",
                "10%対象 ¥1,296,295 消費税 ¥129,629",
                "ディープインパクト2024",
            ],
        ),
        (
            "en",
            [
                "Qualified Invoice",
                "Registration no.",
                "T9876543210987",
                "Hammer price",
                "¥1,234,567",
                "Buyer's premium (5%)",
                "¥61,728",
                "Consumption tax (10%)",
                "¥129,629",
                "Total (tax included)",
                "¥1,425,924",
                "Subject to 10%: ¥1,296,295; consumption tax: ¥129,629",
            ],
        ),
    ],
)
def test_the_invoice_pdf_reads_back_with_its_amounts_registration_number_and_tax_lines(bidder, language, expected):
    sale = SaleFactory(invoice_registration_number="T9876543210987", name_ja="サマーセール", name_en="Summer Sale")
    invoice = sold(sale, bidder, 1_234_567, horse=HorseFactory(name="ディープインパクト2024")).invoice

    text = pdf_text(invoice_pdf(invoice, language=language))

    for line in expected:
        assert line in text, (line, text)
    assert invoice.display_number in text
    assert (sale.name_ja if language == "ja" else sale.name_en) in text


def test_a_buyer_reads_their_own_invoices_and_no_one_elses(bidder, rival):
    sale = SaleFactory()
    mine, theirs = sold(sale, bidder).invoice, sold(sale, rival).invoice
    client = client_for(bidder)

    listed = client.get("/api/invoices/").json()["results"]
    detail = client.get(f"/api/invoices/{mine.pk}/").json()
    pdf = client.get(f"/api/invoices/{mine.pk}/pdf/", HTTP_ACCEPT="application/pdf")

    assert [item["id"] for item in listed] == [mine.pk]
    assert (detail["total"], detail["registration_number"], detail["number"]) == (
        mine.total,
        "T1234567890123",
        mine.display_number,
    )
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    assert "T1234567890123" in pdf_text(pdf.content)
    refused = client.get(f"/api/invoices/{theirs.pk}/")
    assert (refused.status_code, refused.json()["code"]) == (404, "not_found")
    assert client.get(f"/api/invoices/{theirs.pk}/pdf/").status_code == 404


def test_an_invoice_names_the_horse_in_japanese_and_in_english(bidder):
    horse = HorseFactory(name="サクラノシラベ", name_en="Sakura no Shirabe")
    invoice = sold(SaleFactory(), bidder, horse=horse).invoice

    detail = client_for(bidder).get(f"/api/invoices/{invoice.pk}/").json()

    assert (detail["horse_name"], detail["horse_name_en"]) == ("サクラノシラベ", "Sakura no Shirabe")


def test_staff_read_every_invoice(bidder, rival, admin_user):
    sale = SaleFactory()
    invoices = {sold(sale, bidder).invoice.pk, sold(sale, rival).invoice.pk}
    listed = client_for(admin_user).get("/api/invoices/").json()["results"]
    assert {item["id"] for item in listed} == invoices


def test_staff_download_a_csv_of_invoices(bidder, admin_user):
    sale = SaleFactory(name_ja="サマーセール")
    invoice = sold(sale, bidder, 1_000_000).invoice

    response = client_for(admin_user).get(f"/api/reports/invoices.csv?sale={sale.pk}")

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][0] == "Invoice no." and len(rows) == 2
    assert rows[1][:4] == [invoice.display_number, "サマーセール", str(sale.pk), str(invoice.auction.lot_number)]
    assert rows[1][-6:] == ["1000000", "0.05", "50000", "0.1", "105000", "1155000"]


def test_the_winners_email_carries_the_invoice_pdf(bidder):
    bidder.language = "en"
    bidder.save()
    invoice = sold(SaleFactory(), bidder, 1_000_000).invoice

    (notification,) = notifications.notify_auction_result(auction_id=invoice.auction_id)
    tasks.send_notification_email(notification.pk)  # what the worker runs once the result has committed

    (message,) = [message for message in mail.outbox if message.to == [bidder.email]]
    (name, content, mimetype) = message.attachments[0]
    assert (name, mimetype) == (f"invoice-{invoice.display_number}.pdf", "application/pdf")
    assert "¥1,155,000" in pdf_text(content) and "¥1,155,000" in message.body


def test_a_loser_gets_no_invoice(bidder, rival):
    auction = ActiveAuctionFactory(sale=SaleFactory(), reserve_price=None)
    place(auction, rival, 1_000_000)
    place(auction, bidder, 1_100_000)
    Auction.objects.filter(pk=auction.pk).update(ends_at=timezone.now() - timedelta(milliseconds=1))
    auction_close(auction_id=auction.pk)
    assert Invoice.objects.get().buyer == bidder
    assert not BidderFactory().invoices.exists() and not rival.invoices.exists()


# --- the admin's invoice page ------------------------------------------------------------------------------------


def admin_pdf_link(page: str) -> str:
    (href,) = re.findall(r'<a href="([^"]+/pdf/)" download>', page)
    return html.unescape(href)


def test_staff_download_the_pdf_from_the_invoice_page_in_the_admin(bidder, auctioneer):
    # Given a sold lot's invoice, and an auctioneer signed in to the admin (a session, no token)
    invoice = sold(SaleFactory(), bidder, 1_000_000).invoice
    auctioneer.groups.add(auctioneers_group())
    desk = Client()
    desk.force_login(auctioneer)

    # When they open the invoice in the admin and follow its PDF link
    page = desk.get(f"/admin/auctions/invoice/{invoice.pk}/change/")
    assert page.status_code == 200
    link = admin_pdf_link(page.content.decode())
    assert link in desk.get("/admin/auctions/invoice/").content.decode()  # the list links to it too
    response = desk.get(link)

    # Then the PDF downloads
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    assert response.content.startswith(b"%PDF")
    assert invoice.display_number in pdf_text(response.content)


def test_the_admins_pdf_link_gives_nothing_to_someone_who_is_neither_staff_nor_the_buyer(bidder, rival, admin_user):
    invoice = sold(SaleFactory(), bidder, 1_000_000).invoice
    desk = Client()
    desk.force_login(admin_user)
    link = admin_pdf_link(desk.get(f"/admin/auctions/invoice/{invoice.pk}/change/").content.decode())

    other = Client()
    other.force_login(rival)  # signed in, not staff, not the buyer
    refused = other.get(link)

    assert refused.status_code == 404 and not refused.content.startswith(b"%PDF")
    assert Client().get(link).status_code == 401  # and nobody signed in gets it either
