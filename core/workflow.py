"""The workflow kit: one way for documents with a status (transfers, purchase orders, sales orders) to be locked,
moved, numbered, referenced by their stock movements, and followed by side effects.

A document type declares its `Workflow` once, beside its model: the statuses it may move between (a table, checked
against the model's choices when the module loads), its number prefix and the reference type its movements carry.
A service that changes a document then

1. locks it with `workflow.locked(document)` — `SELECT ... FOR UPDATE` on the row alone, evaluated, so the lock is
   really taken and every decision reads the committed row — before the ledger locks any level (lock order:
   document → variants → levels → products);
2. checks the move with `workflow.ensure_move(document, target)`, which raises `InvalidTransition` (409) naming
   `current_status` and `requested_status` when the table has no such arrow, and makes it with
   `workflow.move(document, target, **fields)` (checked again, then saved with `update_fields`);
3. numbers a new document with `workflow.next_number(organization_id=...)` (inside the creating transaction);
4. references its movements with `workflow.reference(document)`;
5. hands what must follow the commit (an e-mail, a webhook) to `workflow.after_commit(document, event_type, ...)`,
   the outbox: written in the same transaction, run by a worker once it has committed.

The kit knows no app: models, prefixes and reference types are given by the apps that own them.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import models

from core.exceptions import InvalidTransition
from core.models import OutboxEvent
from core.numbering import next_number
from core.outbox import outbox_emit


@dataclass(frozen=True)
class Reference:
    """What caused a stock movement: a declared reference type and the document's id."""

    type: str
    id: int


@dataclass(frozen=True)
class Workflow:
    """The declared life of one document type; see the module docstring for how services use it."""

    model: type[models.Model]
    transitions: Mapping[str, frozenset[str]]
    number_prefix: str
    reference_type: str
    noun: str = "document"

    def __post_init__(self):
        statuses = {value for value, _ in self.model._meta.get_field("status").choices}
        named = set(self.transitions) | {target for targets in self.transitions.values() for target in targets}
        if named - statuses or statuses - set(self.transitions):
            raise ImproperlyConfigured(
                f"The transitions of {self.model.__name__} must name each of its statuses once as a source, and only "
                f"those: unknown {sorted(named - statuses)}, missing {sorted(statuses - set(self.transitions))}."
            )

    def locked(self, document):
        """The document's row, locked until the transaction ends, as committed (not the caller's copy)."""
        # .get() evaluates the queryset: an unevaluated select_for_update takes no lock.
        return self.model._default_manager.select_for_update(of=("self",)).get(pk=document.pk)

    def allows(self, document, target: str) -> bool:
        return target in self.transitions[document.status]

    def ensure_move(self, document, target: str, detail: str | None = None) -> None:
        """Raise `InvalidTransition` unless the table lets the document move from its status to `target`."""
        if not self.allows(document, target):
            raise self.refusal(document, target, detail)

    def refusal(self, document, target: str, detail: str | None = None) -> InvalidTransition:
        """The error for a move that is not allowed (`detail` replaces the generic sentence)."""
        current = document.status
        detail = detail or f"A {current.replace('_', ' ')} {self.noun} cannot become {target}."
        return InvalidTransition(detail, current_status=current, requested_status=target)

    def move(self, document, target: str, *, detail: str | None = None, **fields):
        """Check the move, then set the status and `fields` and save those alone (a full save could write back
        columns read before the lock). Call it on the document `locked()` returned.
        """
        self.ensure_move(document, target, detail)
        document.status = target
        for name, value in fields.items():
            setattr(document, name, value)
        document.save(update_fields=["status", *fields, "updated_at"])
        return document

    def next_number(self, *, organization_id: int) -> str:
        """The next number of this document type ("SO-00042"); only inside the transaction that creates it."""
        return next_number(organization_id=organization_id, prefix=self.number_prefix)

    def reference(self, document) -> Reference:
        return Reference(self.reference_type, document.pk)

    def after_commit(self, document, event_type: str, **payload) -> OutboxEvent:
        """Have `event_type`'s handler run once this transaction commits; the payload gets the document's id."""
        return outbox_emit(
            event_type=event_type,
            payload={"id": document.pk, **payload},
            organization_id=document.organization_id,
        )
