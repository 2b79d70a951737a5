"""The audit ledger moves here from the bidding app (see bidding 0003): same table, same rows, same trigger.

Its content type is renamed rather than recreated, so the permissions that point at it (the Auctioneers group's
"view audit entry") keep working."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _rename_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="auctions", model="auditentry").exists():
        ContentType.objects.filter(app_label="bidding", model="auditentry").update(app_label="auctions")


def _restore_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="auctions", model="auditentry").update(app_label="bidding")


class Migration(migrations.Migration):
    dependencies = [
        ("auctions", "0001_initial"),
        ("bidding", "0003_audit_ledger_moves_to_auctions"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEntry",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("sequence", models.PositiveIntegerField()),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("bid", "Bid attempt"),
                                    ("start", "Start"),
                                    ("extend", "Extension"),
                                    ("close", "Close"),
                                    ("cancel", "Cancel"),
                                    ("schedule", "Schedule"),
                                ],
                                max_length=10,
                            ),
                        ),
                        (
                            "outcome",
                            models.CharField(help_text="'ok', 'accepted', or the rejection code", max_length=40),
                        ),
                        ("reason", models.CharField(blank=True, max_length=500)),
                        ("data", models.JSONField(blank=True, default=dict)),
                        ("client_address", models.GenericIPAddressField(blank=True, null=True)),
                        ("recorded_at", models.DateTimeField()),
                        ("previous_hash", models.CharField(max_length=64)),
                        ("entry_hash", models.CharField(max_length=64, unique=True)),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "auction",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="audit_entries",
                                to="auctions.auction",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "audit entry",
                        "verbose_name_plural": "audit entries",
                        "ordering": ["auction", "sequence"],
                        "db_table": "bidding_auditentry",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("auction", "sequence"), name="bidding_audit_one_entry_per_sequence"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(_rename_content_type, _restore_content_type),
    ]
