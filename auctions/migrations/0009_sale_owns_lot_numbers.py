import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("auctions", "0008_lots_join_sales"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auction",
            name="sale",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="lots",
                to="auctions.sale",
                verbose_name="sale",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="auction",
            name="auctions_one_lot_number_per_sale_day",
        ),
        migrations.RemoveField(
            model_name="auction",
            name="sale_date",
        ),
        migrations.AddField(
            model_name="salesession",
            name="sale",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="sessions",
                to="auctions.sale",
                verbose_name="sale",
            ),
        ),
        migrations.AddField(
            model_name="auction",
            name="session",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="lots",
                to="auctions.salesession",
                verbose_name="session",
            ),
        ),
        migrations.AddConstraint(
            model_name="auction",
            constraint=models.UniqueConstraint(fields=("sale", "lot_number"), name="auctions_one_lot_number_per_sale"),
        ),
        migrations.AddConstraint(
            model_name="auction",
            constraint=models.CheckConstraint(
                condition=models.Q(("paused_at__isnull", True), ("status", "active"), _connector="OR"),
                name="auctions_only_active_pauses",
            ),
        ),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.UniqueConstraint(fields=("sale", "number"), name="auctions_invoice_number_per_sale"),
        ),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "total",
                        django.db.models.expressions.CombinedExpression(
                            django.db.models.expressions.CombinedExpression(
                                models.F("hammer_price"), "+", models.F("buyer_premium")
                            ),
                            "+",
                            models.F("consumption_tax"),
                        ),
                    )
                ),
                name="auctions_invoice_total_adds_up",
            ),
        ),
        migrations.AddConstraint(
            model_name="salesession",
            constraint=models.CheckConstraint(
                condition=models.Q(("closes_at__gt", models.F("opens_at"))), name="auctions_session_closes_after_open"
            ),
        ),
    ]
