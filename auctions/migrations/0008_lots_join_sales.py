from django.db import migrations


def one_sale_per_sale_day(apps, schema_editor):
    """Lots used to be grouped by their sale day alone: each day becomes a sale of that day, lot numbers kept."""
    Auction = apps.get_model("auctions", "Auction")
    Sale = apps.get_model("auctions", "Sale")
    days = Auction.objects.order_by("sale_date").values_list("sale_date", flat=True).distinct()
    for day in days:
        sale = Sale.objects.create(
            name_ja=f"{day:%Y年%m月%d日} セール", name_en=f"Sale of {day:%d %B %Y}", starts_on=day, ends_on=day
        )
        Auction.objects.filter(sale_date=day).update(sale=sale)


def sale_days_back(apps, schema_editor):
    Auction = apps.get_model("auctions", "Auction")
    for auction in Auction.objects.select_related("sale"):
        auction.sale_date = auction.sale.starts_on
        auction.save(update_fields=["sale_date"])


class Migration(migrations.Migration):
    dependencies = [
        ("auctions", "0007_sales"),
    ]

    operations = [
        migrations.RunPython(one_sale_per_sale_day, sale_days_back, elidable=False),
    ]
