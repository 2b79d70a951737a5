"""Demo catalogue: a dozen yearlings from Hokkaido with fictional pedigrees, and lots in every state.

Every horse, sire, dam and farm here is invented. Idempotent: a horse is found by its name, and a horse that
already has an auction gets no other, so running it again creates nothing. State changes go through the services
(auctions.services for schedule/start/cancel, bidding.services for the bids and the close).
"""

import io
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from auctions import services
from auctions.models import Auction, Sale
from horses.models import Horse
from horses.services import horse_create, horse_document_add, horse_photo_add

from .services import bid_place


@dataclass(frozen=True)
class DemoHorse:
    name: str
    sex: str
    colour: str
    age: int  # years old on the sale day
    sire: str
    dam: str
    dams_sire: str
    breeder: str
    location: str
    description: str
    lot: dict | None = field(default=None)  # how its auction is set up, if it has one


# The lot plans: `state` is what the seed drives the auction to.
# fmt: off
DEMO_HORSES = [
    DemoHorse(
        "ホッカイテンペスト", "colt", "bay", 1, "サクラオウジャ", "ハルカゼヒメ", "ダイチノチカラ",
        "静内白樺牧場", "北海道新ひだか町静内",
        "伸びのある馬体で繋ぎの角度も良好。母は中央で3勝、半兄に地方重賞2着馬。",
        {"lot": 1, "state": "sold", "start_price": 3_000_000, "reserve_price": 4_000_000,
         "bids": [3_000_000, 3_500_000, 4_200_000, 4_600_000]},
    ),
    DemoHorse(
        "ミナモノヒカリ", "filly", "chestnut", 1, "ゴールドアストラル", "ユキミドリ", "トウカイグローリー",
        "浦河北斗ステーブル", "北海道浦河郡浦河町",
        "軽快な脚さばきの栗毛の牝馬。気性は素直で、調教の進みも順調。",
        {"lot": 2, "state": "unsold", "start_price": 2_000_000, "reserve_price": 5_000_000,
         "bids": [2_000_000, 2_400_000]},
    ),
    DemoHorse(
        "シンセイキセキ", "colt", "dark_bay", 1, "ミラクルバンガード", "アカツキレディ", "ホクトノカイザー",
        "日高みどり野ファーム", "北海道沙流郡日高町",
        "トモの張りが目立つ好馬体。父の産駒は短距離で勝ち上がりが早い。",
        {"lot": 3, "state": "active", "start_price": 5_000_000, "reserve_price": 8_000_000,
         "bids": [5_000_000, 5_500_000]},
    ),
    DemoHorse(
        "ヒダカノアサヒ", "filly", "grey", 1, "シルバーノクターン", "ツキミソウ", "サクラオウジャ",
        "日高みどり野ファーム", "北海道沙流郡日高町",
        "芦毛の牝馬。骨量豊富でバランスの良い体型。母系はダート中距離で活躍馬多数。",
        {"lot": 4, "state": "active", "start_price": 1_500_000, "duration_seconds": 600},
    ),
    DemoHorse(
        "ウラカワスピリット", "colt", "brown", 1, "ホッカイエンペラー", "カゼノウタ", "ミラクルバンガード",
        "浦河北斗ステーブル", "北海道浦河郡浦河町",
        "胸前の筋肉が発達し、歩様は力強い。半姉は2歳戦で勝利。",
        {"lot": 5, "state": "scheduled", "start_price": 4_000_000, "reserve_price": 6_000_000,
         "starts_in_minutes": 3},
    ),
    DemoHorse(
        "サクラノユウヒ", "filly", "bay", 1, "サクラオウジャ", "ユウヅキ", "ゴールドアストラル",
        "静内白樺牧場", "北海道新ひだか町静内",
        "品のある顔立ちの鹿毛。繋ぎが柔らかく、芝向きの走りが期待される。",
        {"lot": 6, "state": "scheduled", "start_price": 2_500_000, "starts_in_minutes": 10},
    ),
    DemoHorse(
        "ホクトノチカラ", "colt", "black", 1, "ダイチノチカラ", "ミヤマザクラ", "シルバーノクターン",
        "新冠ひなた牧場", "北海道新冠郡新冠町",
        "青毛の大型馬。まだ緩さが残るが、成長力に富む血統。",
        {"lot": 7, "state": "draft", "start_price": 3_500_000, "reserve_price": 3_500_000},
    ),
    DemoHorse(
        "ミチノクハヤテ", "colt", "chestnut", 1, "ゴールドアストラル", "ハヤテヒメ", "ホッカイエンペラー",
        "三石みなと牧場", "北海道新ひだか町三石",
        "栃栗毛に近い濃い栗毛。前向きな気性でスピードがありそう。",
        {"lot": 8, "state": "cancelled", "start_price": 2_000_000, "starts_in_minutes": 30,
         "cancel_reason": "獣医師の判断により上場取消"},
    ),
    DemoHorse(
        "ユキノシラベ", "filly", "white", 1, "シルバーノクターン", "シラユキ", "トウカイグローリー",
        "日高みどり野ファーム", "北海道沙流郡日高町",
        "珍しい白毛の牝馬。母も白毛で、祖母は地方重賞勝ち馬。",
    ),
    DemoHorse(
        "アサヒノカガヤキ", "colt", "dark_chestnut", 1, "ミラクルバンガード", "カガヤキヒメ", "ダイチノチカラ",
        "静内白樺牧場", "北海道新ひだか町静内",
        "栃栗毛の牡馬。肩の傾斜が良く、ストライドが大きい。",
    ),
    DemoHorse(
        "エリモノツバサ", "filly", "dark_bay", 1, "ホッカイエンペラー", "ツバサレディ", "サクラオウジャ",
        "えりも岬牧場", "北海道幌泉郡えりも町",
        "黒鹿毛の牝馬。やや小柄だが身のこなしが柔らかく、仕上がりは早そう。",
    ),
    DemoHorse(
        "カムイノホマレ", "gelding", "bay", 2, "ダイチノチカラ", "ホマレノヒメ", "ゴールドアストラル",
        "浦河北斗ステーブル", "北海道浦河郡浦河町",
        "2歳のセン馬。育成場で坂路調教を積んでおり、即戦力として期待。",
    ),
]
# fmt: on

PHOTO_COLOURS = {
    "bay": (139, 84, 45),
    "dark_bay": (86, 52, 30),
    "brown": (60, 38, 24),
    "black": (30, 30, 34),
    "chestnut": (176, 96, 46),
    "dark_chestnut": (122, 62, 32),
    "grey": (160, 160, 165),
    "white": (236, 236, 230),
}

# The smallest well-formed one-page PDF: enough for the upload checks and a PDF viewer.
_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _photo(colour: str) -> ContentFile:
    """A plain placeholder picture in the horse's coat colour (the demo has no real photographs)."""
    from PIL import Image, ImageDraw

    base = PHOTO_COLOURS.get(colour, (120, 90, 60))
    image = Image.new("RGB", (480, 320), (196, 222, 170))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 480, 150), fill=(170, 205, 235))
    draw.ellipse((120, 110, 360, 230), fill=base)  # body
    draw.polygon([(330, 140), (400, 70), (425, 85), (360, 165)], fill=base)  # neck
    draw.ellipse((395, 60, 445, 100), fill=base)  # head
    for x in (150, 190, 290, 330):
        draw.rectangle((x, 200, x + 14, 290), fill=base)  # legs
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return ContentFile(buffer.getvalue(), name="photo.png")


# Romaji for the demo names (all fictional), and the fictional sires' and dams' own parents, so that the lot page
# shows a full three-generation pedigree with English names.
ROMAJI = {
    "ホッカイテンペスト": "Hokkai Tempest",
    "ミナモノヒカリ": "Minamo no Hikari",
    "シンセイキセキ": "Shinsei Kiseki",
    "ヒダカノアサヒ": "Hidaka no Asahi",
    "ウラカワスピリット": "Urakawa Spirit",
    "サクラノユウヒ": "Sakura no Yuhi",
    "ホクトノチカラ": "Hokuto no Chikara",
    "ミチノクハヤテ": "Michinoku Hayate",
    "ユキノシラベ": "Yuki no Shirabe",
    "アサヒノカガヤキ": "Asahi no Kagayaki",
    "エリモノツバサ": "Erimo no Tsubasa",
    "カムイノホマレ": "Kamui no Homare",
    "サクラオウジャ": "Sakura Oja",
    "ダイチノチカラ": "Daichi no Chikara",
    "ゴールドアストラル": "Gold Astral",
    "トウカイグローリー": "Tokai Glory",
    "ミラクルバンガード": "Miracle Vanguard",
    "ホクトノカイザー": "Hokuto no Kaiser",
    "シルバーノクターン": "Silver Nocturne",
    "ホッカイエンペラー": "Hokkai Emperor",
    "ハルカゼヒメ": "Harukaze Hime",
    "ユキミドリ": "Yuki Midori",
    "アカツキレディ": "Akatsuki Lady",
    "ツキミソウ": "Tsukimiso",
    "カゼノウタ": "Kaze no Uta",
    "ユウヅキ": "Yuzuki",
    "ミヤマザクラ": "Miyama Zakura",
    "ハヤテヒメ": "Hayate Hime",
    "シラユキ": "Shirayuki",
    "カガヤキヒメ": "Kagayaki Hime",
    "ツバサレディ": "Tsubasa Lady",
    "ホマレノヒメ": "Homare no Hime",
}
_STALLIONS = [
    ("テンクウノオウ", "Tenku no O"),
    ("ホクシンボルト", "Hokushin Bolt"),
    ("ダイセツザン", "Daisetsuzan"),
    ("アカシアロード", "Acacia Road"),
    ("オホーツクスター", "Okhotsk Star"),
    ("トカチノカゼ", "Tokachi no Kaze"),
]
_MARES = [
    ("ハマナスレディ", "Hamanasu Lady"),
    ("スズランヒメ", "Suzuran Hime"),
    ("ルピナスドリーム", "Lupinus Dream"),
    ("ナナカマド", "Nanakamado"),
    ("シラカバノユメ", "Shirakaba no Yume"),
    ("フキノトウ", "Fukinoto"),
]


def _pedigree(spec: DemoHorse) -> dict:
    """Three generations: the spec's sire, dam and dam's sire, the rest drawn from fictional pools (stable per
    horse, so a reseed draws the same)."""
    seed = sum(ord(c) for c in spec.name)

    def stallion(i):
        ja, en = _STALLIONS[(seed + i) % len(_STALLIONS)]
        return {"ja": ja, "en": en}

    def mare(i):
        ja, en = _MARES[(seed + i) % len(_MARES)]
        return {"ja": ja, "en": en}

    pedigree = {
        "s": {"en": ROMAJI.get(spec.sire, "")},
        "d": {"en": ROMAJI.get(spec.dam, "")},
        "ds": {"en": ROMAJI.get(spec.dams_sire, "")},
        "ss": stallion(0),
        "sd": mare(1),
        "dd": mare(2),
        "sss": stallion(3),
        "ssd": mare(4),
        "sds": stallion(5),
        "sdd": mare(6),
        "dss": stallion(7),
        "dsd": mare(8),
        "dds": stallion(9),
        "ddd": mare(10),
    }
    return pedigree


def _write(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text + "\n")


def _horse(spec: DemoHorse, *, sale_year: int) -> tuple[Horse, bool]:
    horse = Horse.objects.filter(name=spec.name).first()
    if horse is not None:
        return horse, False
    horse = horse_create(
        name=spec.name,
        name_en=ROMAJI.get(spec.name, ""),
        pedigree=_pedigree(spec),
        sex=spec.sex,
        colour=spec.colour,
        foaling_year=sale_year - spec.age,
        sire=spec.sire,
        dam=spec.dam,
        dams_sire=spec.dams_sire,
        breeder=spec.breeder,
        location=spec.location,
        description=spec.description,
    )
    horse_photo_add(horse=horse, image=_photo(spec.colour), caption="馬体（立ち写真）")
    if spec.lot and spec.lot["state"] in ("sold", "active", "scheduled"):
        horse_document_add(horse=horse, file=ContentFile(_PDF, name="vet-report.pdf"), title="獣医所見（レポジトリー）")
    return horse, True


def _demo_sale(day) -> Sale:
    """Today's demo sale (one per day, so a reseed on another day starts a fresh catalogue)."""
    sale, _created = Sale.objects.get_or_create(
        starts_on=day,
        name_en=f"Umaseri demo sale, {day:%d %B %Y}",
        defaults={
            "name_ja": f"Umaseri デモセール {day:%Y年%m月%d日}",
            "ends_on": day,
            "venue": "北海道日高郡新ひだか町 (demo)",
            "conditions_of_sale": "デモ用のセールです。Demo sale: nothing is really sold.",
            "invoice_registration_number": "T1234567890123",
        },
    )
    return sale


def _free_lot_number(sale: Sale, wanted: int) -> int:
    if not Auction.objects.filter(sale=sale, lot_number=wanted).exists():
        return wanted
    highest = Auction.objects.filter(sale=sale).aggregate(highest=Max("lot_number"))["highest"]
    return (highest or 0) + 1


def _bid(auction_id: int, bidder, amount: int) -> None:
    bid_place(auction_id=auction_id, user=bidder, amount=amount, idempotency_key=uuid.uuid4())


def _run_to_the_end(auction_id: int) -> str:
    """These lots ran earlier in the day: the seed moves their clock to the end, then the real close runs."""
    with transaction.atomic():
        Auction.objects.select_for_update().filter(pk=auction_id).update(ends_at=timezone.now())
    closed = services.auction_close(auction_id=auction_id)
    return closed.status if closed else "?"


def _auction(spec: DemoHorse, horse: Horse, *, sale: Sale, organizer, bidders: list) -> Auction | None:
    plan = spec.lot
    state = plan["state"]
    if state in ("sold", "unsold") and len(bidders) < 2:
        return None  # a result needs bidders
    now = timezone.now()
    starts_in = plan.get("starts_in_minutes")
    auction = services.auction_create(
        actor=organizer,
        horse=horse,
        sale=sale,
        lot_number=_free_lot_number(sale, plan["lot"]),
        start_price=plan["start_price"],
        reserve_price=plan.get("reserve_price"),
        duration_seconds=plan.get("duration_seconds", 300),
        starts_at=now + timedelta(minutes=starts_in) if starts_in else None,
    )
    if state in ("scheduled", "cancelled"):
        services.auction_schedule(auction_id=auction.pk, actor=organizer)
    if state == "cancelled":
        services.auction_cancel(auction_id=auction.pk, actor=organizer, reason=plan.get("cancel_reason", ""))
    if state in ("active", "sold", "unsold"):
        services.auction_start(auction_id=auction.pk, actor=organizer)
        for index, amount in enumerate(plan.get("bids", []) if bidders else []):
            _bid(auction.pk, bidders[index % len(bidders)], amount)
    if state in ("sold", "unsold"):
        _run_to_the_end(auction.pk)
    auction.refresh_from_db()
    return auction


def seed_catalogue(*, users: dict, stdout=None) -> dict:
    """Create the demo horses and lots (idempotent). `users` maps demo usernames to users; missing ones are
    tolerated (no bidders: no bids and no results)."""
    organizer = users.get("auctioneer") or users.get("admin")
    bidders = [user for user in (users.get("bidder1"), users.get("bidder2")) if user is not None]
    sale_date = timezone.localdate()
    sale = _demo_sale(sale_date)
    horses_created, auctions = 0, []
    for spec in DEMO_HORSES:
        horse, created = _horse(spec, sale_year=sale_date.year)
        horses_created += created
        if spec.lot is None or horse.auctions.exists():
            continue
        auction = _auction(spec, horse, sale=sale, organizer=organizer, bidders=bidders)
        if auction is not None:
            auctions.append(auction)
    _write(stdout, f"Demo catalogue: {horses_created} horse(s) added, {len(auctions)} auction(s) added.")
    for auction in auctions:
        _write(
            stdout,
            f"  Lot {auction.lot_number:>2} {auction.horse.name:<12} {auction.status:<9}"
            f" current {auction.current_price or '-'}",
        )
    return {"horses_created": horses_created, "auctions": auctions}
