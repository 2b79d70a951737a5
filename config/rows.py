"""One row inserted in one statement, for the hot paths that would otherwise wrap the ORM's insert in a savepoint
(or a transaction of its own) only to catch one unique constraint's IntegrityError: three round trips, not one."""

from collections.abc import Sequence

from django.db import connection
from django.db.models import Model


def insert_unless_taken(instance: Model, *, fields: Sequence[str], sql: str) -> bool:
    """Insert `instance` with `sql`: an INSERT of `fields`, in that order, ending in `ON CONFLICT (...) DO NOTHING
    RETURNING` the primary key, written out beside its caller. True once the row is written (the instance then
    is as the ORM's save leaves it: its pk and defaults such as auto_now_add set); False when the row the conflict
    names was already there (or committed meanwhile), and nothing was written. Any other constraint still raises.
    No signals are sent, as with bulk_create."""
    meta = type(instance)._meta
    params = []
    for name in fields:
        field = meta.get_field(name)
        params.append(field.get_db_prep_save(field.pre_save(instance, add=True), connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    instance.pk = row[0]
    instance._state.adding, instance._state.db = False, connection.alias
    return True
