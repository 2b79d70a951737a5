"""The audit ledger now belongs to the auctions app (the lot's lifecycle writes it too). Only Django's state
changes here: the table, its rows and its append-only trigger stay exactly where they are (auctions 0002 takes
the model over with the same table name)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("bidding", "0002_append_only")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditEntry")],
            database_operations=[],
        )
    ]
