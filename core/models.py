from django.conf import settings
from django.db import models
from django.utils import timezone


class IdempotencyRecord(models.Model):
    """A claimed `Idempotency-Key`: in progress while its request runs, then the stored response to replay."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    state = models.CharField(max_length=16, choices=State.choices, default=State.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]

    def __str__(self):
        return f"{self.key} ({self.state})"


class DocumentSequence(models.Model):
    """The last number handed out for one kind of document ("PO", "SO") in one organization."""

    organization_id = models.BigIntegerField()
    prefix = models.CharField(max_length=8)
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization_id", "prefix"], name="document_sequence_unique"),
        ]

    def __str__(self):
        return f"{self.prefix}@{self.organization_id}: {self.last_value}"


class OutboxEventQuerySet(models.QuerySet):
    def due(self, now, max_attempts: int):
        """Events still to process whose next attempt is due (a failed one waits for its back-off)."""
        return self.filter(processed_at__isnull=True, attempts__lt=max_attempts, available_at__lte=now)


class OutboxEvent(models.Model):
    """A side effect to run once its change has committed: written in the change's own transaction.

    Read by `core.outbox.outbox_process` (a Celery task, kicked on commit and swept by beat); the app that owns the
    event type registers its handler. `processed_at` is set once the handler succeeded; `attempts` counts every try
    and `last_error` keeps the latest failure. Core knows no app: the organization is kept by id, as in
    `DocumentSequence`.
    """

    organization_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    event_type = models.CharField(max_length=64)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(default=timezone.now, help_text="Not tried again before this time.")
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    objects = OutboxEventQuerySet.as_manager()

    class Meta:
        indexes = [
            # The processor's only query: unprocessed events in pk order.
            models.Index(fields=["id"], condition=models.Q(processed_at__isnull=True), name="outbox_event_pending"),
        ]

    def __str__(self):
        return f"{self.event_type} #{self.pk}"
