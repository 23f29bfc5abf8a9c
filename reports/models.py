"""Report jobs: a large report built in the background by a Celery worker and kept as a file for 7 days.

A job is the reports app's own record of work it was asked to do; it never touches stock. `reports.jobs` runs
and sweeps them, `reports.tasks` hands them to Celery.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

KEEP_FOR = dt.timedelta(days=7)


class ReportJobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"


class ReportJobKind(models.TextChoices):
    STOCK_MOVEMENTS = "stock_movements", "Stock movements"


class ReportJobFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    CSV = "csv", "CSV"


class ReportJob(models.Model):
    organization = models.ForeignKey("users.Organization", on_delete=models.CASCADE, related_name="report_jobs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_jobs")
    report = models.CharField(max_length=32, choices=ReportJobKind.choices)
    format = models.CharField(max_length=8, choices=ReportJobFormat.choices)
    start = models.DateField()
    end = models.DateField()
    # A job about a warehouse goes with it: the file would name a warehouse that no longer exists.
    warehouse = models.ForeignKey(
        "warehouses.Warehouse", null=True, blank=True, on_delete=models.CASCADE, related_name="report_jobs"
    )
    status = models.CharField(max_length=16, choices=ReportJobStatus.choices, default=ReportJobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    rows = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    # Each run claims the job by raising `attempt`; a run whose attempt is no longer the job's stops writing, so a
    # run that a sweeper gave up on (its worker died) and a redelivered message can never both finish it.
    attempt = models.PositiveSmallIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    file = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"], name="report_job_org_newest"),
            models.Index(fields=["created_by", "-created_at", "-id"], name="report_job_creator_newest"),
            # The sweeper's and the cleanup's work: the few jobs not yet settled, and the finished ones by age.
            models.Index(
                fields=["status", "heartbeat_at"],
                condition=Q(status__in=["queued", "running"]),
                name="report_job_unsettled",
            ),
            models.Index(fields=["status", "finished_at"], name="report_job_status_finished"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_job_progress_at_most_100"),
            models.CheckConstraint(condition=Q(start__lte=models.F("end")), name="report_job_start_before_end"),
        ]

    def __str__(self):
        return f"{self.report} {self.start}..{self.end} ({self.status})"

    @property
    def shown_status(self) -> str:
        """`expired` as soon as a finished file is older than `KEEP_FOR`, before the cleanup task removes it."""
        if self.status == ReportJobStatus.DONE and self.finished_at and timezone.now() - self.finished_at > KEEP_FOR:
            return ReportJobStatus.EXPIRED
        return self.status
