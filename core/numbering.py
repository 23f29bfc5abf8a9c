"""Per-organization sequential document numbers ("PO-00001")."""

from django.db import IntegrityError, transaction

from core.models import DocumentSequence


def next_number(*, organization_id: int, prefix: str, width: int = 5) -> str:
    """Return the next number for `prefix` in the organization.

    Must run inside the transaction that creates the document: the counter row stays locked until it commits,
    so concurrent creators queue up and numbers are consecutive; if the creation rolls back, so does the number.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("next_number() must be called inside the transaction that creates the document.")
    value = _take_next(connection, organization_id, prefix)
    if value is None:  # the organization's first document with this prefix
        try:
            with transaction.atomic():  # savepoint: a concurrent first creator may win the insert
                DocumentSequence.objects.create(organization_id=organization_id, prefix=prefix)
        except IntegrityError:
            pass
        value = _take_next(connection, organization_id, prefix)
    return f"{prefix}-{value:0{width}d}"


def _take_next(connection, organization_id: int, prefix: str) -> int | None:
    """Add one to the counter and return it, in one statement that also locks its row until the transaction ends
    (the ORM's `update()` cannot return the value: it was a locking read, then the update, each compiled).
    """
    table = connection.ops.quote_name(DocumentSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_value = last_value + 1 WHERE organization_id = %s AND prefix = %s "
            "RETURNING last_value",
            [organization_id, prefix],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]
