"""Per-organization sequential document numbers ("PO-00001")."""

from django.db import IntegrityError, transaction
from django.db.models import F

from core.models import DocumentSequence


def next_number(*, organization_id: int, prefix: str, width: int = 5) -> str:
    """Return the next number for `prefix` in the organization.

    Must run inside the transaction that creates the document: the counter row stays locked until it commits,
    so concurrent creators queue up and numbers are consecutive; if the creation rolls back, so does the number.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must be called inside the transaction that creates the document.")
    sequence = _locked_sequence(organization_id, prefix)
    DocumentSequence.objects.filter(pk=sequence.pk).update(last_value=F("last_value") + 1)
    return f"{prefix}-{sequence.last_value + 1:0{width}d}"


def _locked_sequence(organization_id: int, prefix: str) -> DocumentSequence:
    lookup = {"organization_id": organization_id, "prefix": prefix}
    sequence = DocumentSequence.objects.select_for_update().filter(**lookup).first()
    if sequence is not None:
        return sequence
    try:
        with transaction.atomic():  # savepoint: a concurrent first creator may win the insert
            DocumentSequence.objects.create(**lookup)
    except IntegrityError:
        pass
    return DocumentSequence.objects.select_for_update().get(**lookup)
