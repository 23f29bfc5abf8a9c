from django.conf import settings
from django.db import models


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
