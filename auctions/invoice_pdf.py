"""The buyer's invoice as a PDF (適格請求書): the issuer and its registration number, the date, the item, the
amounts with the tax rate and the tax, in Japanese or English. Drawn with ReportLab; the Japanese font is
ReportLab's built-in CID font, which needs no font file (the reader's PDF viewer supplies the glyphs)."""

from io import BytesIO
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .models import Invoice

FONT = "HeiseiKakuGo-W5"
SALE_TZ = ZoneInfo("Asia/Tokyo")
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

LABELS = {
    "ja": {
        "title": "適格請求書",
        "number": "請求書番号",
        "issued": "発行日",
        "issuer": "発行者",
        "registration": "登録番号",
        "buyer": "購買者",
        "paddle": "パドル番号",
        "item": "品目",
        "amount": "金額",
        "lot": "上場番号 {lot}  {horse}",
        "hammer": "落札価格",
        "premium": "購買者手数料（{rate}）",
        "taxable": "10%対象 小計",
        "tax_line": "消費税（{rate}）",
        "total": "合計（税込）",
        "tax_summary": "{rate}対象 {taxable} 消費税 {tax}",
        "none": "未登録",
    },
    "en": {
        "title": "Qualified Invoice (Tax Invoice)",
        "number": "Invoice no.",
        "issued": "Date of issue",
        "issuer": "Issuer",
        "registration": "Registration no.",
        "buyer": "Buyer",
        "paddle": "Paddle",
        "item": "Item",
        "amount": "Amount",
        "lot": "Lot {lot}  {horse}",
        "hammer": "Hammer price",
        "premium": "Buyer's premium ({rate})",
        "taxable": "Subtotal subject to 10%",
        "tax_line": "Consumption tax ({rate})",
        "total": "Total (tax included)",
        "tax_summary": "Subject to {rate}: {taxable}; consumption tax: {tax}",
        "none": "not registered",
    },
}


def yen(amount: int) -> str:
    return f"¥{amount:,}"


def percent(rate) -> str:
    return f"{(rate * 100).normalize():f}%"


def invoice_pdf(invoice: Invoice, *, language: str = "ja") -> bytes:
    """The invoice as PDF bytes, in `language` ("ja" or "en"; anything else is Japanese)."""
    language = language if language in LABELS else "ja"
    text = LABELS[language]
    sale, auction, buyer = invoice.sale, invoice.auction, invoice.buyer
    body = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=14)
    title = ParagraphStyle("title", parent=body, fontSize=18, leading=24)
    buyer_name = buyer.get_full_name() or buyer.username
    taxable = invoice.hammer_price + invoice.buyer_premium
    tax_rate = percent(invoice.consumption_tax_rate)

    def table(rows, widths, *, header=False):
        style = [
            ("FONT", (0, 0), (-1, -1), FONT, 10),
            ("ALIGN", (1, 0), (1, -1), "RIGHT") if header else ("ALIGN", (0, 0), (0, -1), "LEFT"),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ]
        if header:
            style += [
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
                ("FONT", (0, -1), (-1, -1), FONT, 12),
            ]
        built = Table(rows, colWidths=widths)
        built.setStyle(TableStyle(style))
        return built

    issued = invoice.issued_at.astimezone(SALE_TZ).date().isoformat()
    heading = [
        [text["number"], invoice.display_number],
        [text["issued"], issued],
        [text["issuer"], sale.name_in(language) + (f" / {sale.venue}" if sale.venue else "")],
        [text["registration"], invoice.registration_number or text["none"]],
        [text["buyer"], buyer_name],
        [text["paddle"], str(buyer.paddle_number or "-")],
    ]
    items = [
        [text["item"], text["amount"]],
        [text["lot"].format(lot=auction.lot_number, horse=auction.horse.name), ""],
        [text["hammer"], yen(invoice.hammer_price)],
        [text["premium"].format(rate=percent(invoice.buyer_premium_rate)), yen(invoice.buyer_premium)],
        [text["taxable"], yen(taxable)],
        [text["tax_line"].format(rate=tax_rate), yen(invoice.consumption_tax)],
        [text["total"], yen(invoice.total)],
    ]
    summary = text["tax_summary"].format(rate=tax_rate, taxable=yen(taxable), tax=yen(invoice.consumption_tax))

    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=f"{text['title']} {invoice.display_number}",
        author=sale.name_in(language),
    )
    document.build(
        [
            Paragraph(text["title"], title),
            Spacer(1, 6 * mm),
            table(heading, [45 * mm, 125 * mm]),
            Spacer(1, 8 * mm),
            table(items, [120 * mm, 50 * mm], header=True),
            Spacer(1, 6 * mm),
            Paragraph(summary, body),
        ]
    )
    return buffer.getvalue()
