"""Report jobs through the API (tasks run eagerly, in-process): the job's shape, its file, roles, 409/410 and runs.

The real Celery worker (a thread, and a process killed mid-run) is in test_job_worker.py.
"""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reports import jobs
from reports.jobs import report_job_run, report_jobs_expire, report_jobs_sweep
from reports.models import ReportJob, ReportJobStatus
from tests.reports.conftest import at, download, make_variant, many_movements, move, pdf_pages
from tests.reports.factories import ReportJobFactory
from tests.users.factories import UserFactory

LIST = reverse("reports:report-job-list")
SYNC = reverse("reports:report-stock-movements")

pytestmark = pytest.mark.django_db


def detail(job_id: int) -> str:
    return reverse("reports:report-job-detail", args=[job_id])


def download_url(job_id: int) -> str:
    return reverse("reports:report-job-download", args=[job_id])


@pytest.fixture(autouse=True)
def reports_root(settings, tmp_path):
    settings.REPORTS_ROOT = tmp_path / "reports"
    return settings.REPORTS_ROOT


@pytest.fixture
def march(org, warehouse, other_warehouse, mug, tee, admin, manager):
    move(mug, warehouse, 7, at("2025-02-28 23:59:59"), by=admin)
    move(mug, warehouse, 10, at("2025-03-01 00:00:00"), by=admin)
    move(mug, warehouse, -3, at("2025-03-14 12:30:00"), by=manager, reason="sale")
    move(tee, warehouse, 5, at("2025-03-31 23:59:59"), by=admin, reason="purchase")
    move(mug, other_warehouse, 20, at("2025-03-10 08:00:00"), by=admin)
    move(mug, warehouse, 4, at("2025-04-01 00:00:00"), by=admin)


@pytest.fixture
def submit(django_capture_on_commit_callbacks):
    """`submit(client, body)` → the POST's response, with the job's task run as the commit hands it to Celery."""

    def post(client, body):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(LIST, body, format="json")

    return post


def month(fmt: str = "csv", **extra) -> dict:
    return {"report": "stock_movements", "format": fmt, "from": "2025-03-01", "to": "2025-03-31", **extra}


def test_a_new_job_answers_202_queued_then_is_done_with_the_rows_and_a_download_url(
    submit, admin_client, admin, march
):
    response = submit(admin_client, month())

    assert response.status_code == 202, response.json()
    body = response.json()
    assert body == {
        "id": body["id"],
        "report": "stock_movements",
        "format": "csv",
        "from": "2025-03-01",
        "to": "2025-03-31",
        "warehouse": None,
        "status": "queued",
        "progress": 0,
        "rows": None,
        "created_by": {"id": admin.pk, "username": "admin"},
        "created_at": body["created_at"],
        "finished_at": None,
        "download_url": None,
        "error": None,
    }
    job = admin_client.get(detail(body["id"])).json()
    assert (job["status"], job["progress"], job["rows"], job["error"]) == ("done", 100, 4, None)
    assert job["finished_at"] is not None
    assert job["download_url"] == f"http://testserver{download_url(body['id'])}"


def test_the_csv_file_is_the_synchronous_reports_csv_byte_for_byte(submit, admin_client, march):
    job_id = submit(admin_client, month("csv")).json()["id"]

    response = admin_client.get(download_url(job_id))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="stock-movements-2025-03-01-2025-03-31.csv"'
    same = admin_client.get(SYNC, {"period": "monthly", "date": "2025-03-01", "format": "csv"})
    assert download(response) == download(same)


def _without_generated(pages: list[str]) -> list[str]:
    return [re.sub(r"Generated \d{4}-\d\d-\d\d \d\d:\d\d UTC", "", page) for page in pages]


def test_the_pdf_file_has_the_synchronous_reports_pages(submit, admin_client, org, warehouse, admin, march):
    variants = [make_variant(org, f"SKU-{n:02d}", f"Product {n:02d}") for n in range(5)]
    many_movements(variants, warehouse, 300, at("2025-03-20 00:00"), by=admin)
    job_id = submit(admin_client, month("pdf")).json()["id"]

    response = admin_client.get(download_url(job_id))

    assert response["Content-Type"] == "application/pdf"
    pages = pdf_pages(download(response))
    same = pdf_pages(download(admin_client.get(SYNC, {"period": "monthly", "date": "2025-03-01"})))
    assert len(pages) > 5
    assert _without_generated(pages) == _without_generated(same)


def test_a_range_that_is_no_calendar_period_is_reported_as_a_custom_period(submit, admin_client, march):
    job_id = submit(admin_client, {**month("pdf"), "from": "2025-02-28", "to": "2025-03-10"}).json()["id"]

    job = admin_client.get(detail(job_id)).json()
    text = " ".join(pdf_pages(download(admin_client.get(download_url(job_id)))))

    assert job["rows"] == 3  # the 28th, the 1st and the 10th
    assert "Custom: 2025-02-28 – 2025-03-10" in text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"from": "2025-04-01"}, "from"),  # after `to`
        ({"from": "2024-03-01"}, "to"),  # 395 days apart
        ({"format": "xlsx"}, "format"),
        ({"report": "sales"}, "report"),
        ({"to": "31/03/2025"}, "to"),
        ({"from": None}, "from"),
    ],
)
def test_bad_input_answers_400_naming_the_field_and_queues_nothing(admin_client, change, field):
    response = admin_client.post(LIST, {**month(), **change}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["errors"]
    assert not ReportJob.objects.exists()


def test_a_year_apart_is_accepted(submit, admin_client):
    response = submit(admin_client, {**month(), "from": "2024-03-31", "to": "2025-04-01"})  # 366 days apart

    assert response.status_code == 202


def test_a_warehouse_of_another_organization_is_a_400(admin_client, foreign_warehouse):
    response = admin_client.post(LIST, month(warehouse=foreign_warehouse.pk), format="json")

    assert response.status_code == 400
    assert "warehouse" in response.json()["errors"]


def test_staff_and_viewers_get_403_everywhere(client_for, staff, viewer, admin):
    job = _job(admin)
    for user in (staff, viewer):
        client = client_for(user)
        assert client.post(LIST, month(), format="json").status_code == 403
        assert client.get(LIST).status_code == 403
        assert client.get(detail(job.pk)).status_code == 403
        assert client.get(download_url(job.pk)).status_code == 403


def test_a_manager_cannot_ask_for_a_warehouse_that_is_not_theirs(manager_client, other_warehouse):
    response = manager_client.post(LIST, month(warehouse=other_warehouse.pk), format="json")

    assert response.status_code == 403
    assert not ReportJob.objects.exists()


def test_a_managers_report_covers_their_own_warehouses_only(submit, manager_client, march):
    job_id = submit(manager_client, month()).json()["id"]

    text = download(manager_client.get(download_url(job_id))).decode()

    assert manager_client.get(detail(job_id)).json()["rows"] == 3
    assert "Annex" not in text and "Main" in text


def test_a_manager_sees_their_own_jobs_an_admin_every_job_of_the_organization(
    submit, client_for, admin, manager, other_admin, march
):
    mine = submit(client_for(manager), month()).json()["id"]
    admins = submit(client_for(admin), month("pdf")).json()["id"]
    submit(client_for(other_admin), month())

    assert [job["id"] for job in client_for(manager).get(LIST).json()["results"]] == [mine]
    assert [job["id"] for job in client_for(admin).get(LIST).json()["results"]] == [admins, mine]
    assert client_for(manager).get(detail(admins)).status_code == 404
    assert client_for(manager).get(download_url(admins)).status_code == 404
    assert client_for(other_admin).get(detail(mine)).status_code == 404


def test_the_list_reads_a_fixed_number_of_queries_whatever_the_page_size(submit, admin_client, march):
    for _ in range(3):
        submit(admin_client, month())
    ReportJob.objects.update(status=ReportJobStatus.DONE)  # a user may have at most 5 waiting

    counts = []
    for size in (1, 3):
        with CaptureQueriesContext(connection) as queries:
            assert len(admin_client.get(LIST, {"page_size": size}).json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def _job(user, **fields) -> ReportJob:
    return ReportJobFactory(organization=user.organization, created_by=user, **fields)


@pytest.mark.parametrize("state", [ReportJobStatus.QUEUED, ReportJobStatus.RUNNING, ReportJobStatus.FAILED])
def test_download_answers_409_while_the_job_is_not_done(admin_client, admin, state):
    job = _job(admin, status=state)

    response = admin_client.get(download_url(job.pk))

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert state in response.json()["detail"]


def test_a_file_older_than_7_days_shows_expired_answers_410_and_the_cleanup_deletes_it(
    submit, admin_client, admin, march
):
    job_id = submit(admin_client, month()).json()["id"]
    path = Path(ReportJob.objects.get(pk=job_id).file)
    assert path.is_file()
    ReportJob.objects.filter(pk=job_id).update(finished_at=timezone.now() - dt.timedelta(days=7, minutes=1))
    fresh = submit(admin_client, month()).json()["id"]

    shown = admin_client.get(detail(job_id)).json()
    response = admin_client.get(download_url(job_id))
    assert (shown["status"], shown["download_url"]) == ("expired", None)
    assert (response.status_code, response.json()["code"]) == (410, "gone")

    assert report_jobs_expire() == 1

    assert not path.exists()
    assert ReportJob.objects.get(pk=job_id).status == ReportJobStatus.EXPIRED
    assert admin_client.get(download_url(job_id)).status_code == 410
    assert admin_client.get(download_url(fresh)).status_code == 200


def test_a_user_with_5_jobs_waiting_gets_409_for_a_sixth(admin_client, admin):
    for _ in range(5):
        _job(admin)

    response = admin_client.post(LIST, month(), format="json")

    assert (response.status_code, response.json()["code"]) == (409, "conflict")
    assert ReportJob.objects.count() == 5


# --- Runs -------------------------------------------------------------------------------------------------------


def test_progress_rises_as_the_rows_are_written(monkeypatch, org, warehouse, admin):
    variants = [make_variant(org, f"SKU-{n}") for n in range(3)]
    many_movements(variants, warehouse, 400, at("2025-03-02 00:00"), by=admin)
    job = _job(admin)
    monkeypatch.setattr(jobs, "PROGRESS_MIN_ROWS", 50)
    seen = []
    save = jobs.report_job_progress_save

    def spy(**kwargs):
        save(**kwargs)
        seen.append(ReportJob.objects.get(pk=job.pk).progress)

    monkeypatch.setattr(jobs, "report_job_progress_save", spy)

    assert report_job_run(job_id=job.pk) == "done"

    assert seen == [12, 25, 37, 50, 62, 75, 87, 99]  # every 50 of 400 rows; 100 only once done
    job.refresh_from_db()
    assert (job.status, job.progress, job.rows) == (ReportJobStatus.DONE, 100, 400)


def test_a_job_already_done_or_running_with_a_live_heartbeat_is_not_run_again(admin, march):
    done = _job(admin, status=ReportJobStatus.DONE, attempt=1)
    running = _job(admin, status=ReportJobStatus.RUNNING, attempt=1, heartbeat_at=timezone.now())

    assert report_job_run(job_id=done.pk) == "skipped"
    assert report_job_run(job_id=running.pk) == "skipped"

    running.refresh_from_db()
    assert (running.status, running.attempt) == (ReportJobStatus.RUNNING, 1)


def test_a_running_job_whose_worker_went_silent_is_taken_over_by_the_next_delivery(settings, admin, march):
    settings.REPORT_JOB_STALE_SECONDS = 60
    job = _job(admin, status=ReportJobStatus.RUNNING, attempt=1, heartbeat_at=timezone.now() - dt.timedelta(minutes=2))

    assert report_job_run(job_id=job.pk) == "done"

    job.refresh_from_db()
    assert (job.status, job.attempt, job.rows) == (ReportJobStatus.DONE, 2, 4)
    assert job.file.endswith(f"{job.pk}-2.csv")


def test_the_sweeper_requeues_a_silent_running_job_and_the_queue_runs_it(
    settings, admin, march, django_capture_on_commit_callbacks
):
    settings.REPORT_JOB_STALE_SECONDS = 60
    silent = timezone.now() - dt.timedelta(minutes=5)
    job = _job(admin, status=ReportJobStatus.RUNNING, attempt=1, heartbeat_at=silent, created_at=silent)
    live = _job(admin, status=ReportJobStatus.RUNNING, attempt=1, heartbeat_at=timezone.now())

    result = report_jobs_sweep()  # eager: the re-sent task runs at once

    assert result == {"requeued": [job.pk], "resent": []}
    job.refresh_from_db()
    live.refresh_from_db()
    assert (job.status, job.attempt, job.rows) == (ReportJobStatus.DONE, 2, 4)
    assert (live.status, live.attempt) == (ReportJobStatus.RUNNING, 1)


def test_after_3_interrupted_runs_the_job_fails_with_a_sentence(settings, admin, march):
    settings.REPORT_JOB_STALE_SECONDS = 60
    old = timezone.now() - dt.timedelta(minutes=2)
    job = _job(admin, status=ReportJobStatus.RUNNING, attempt=3, heartbeat_at=old)

    assert report_job_run(job_id=job.pk) == "failed"

    job.refresh_from_db()
    assert job.status == ReportJobStatus.FAILED
    assert job.error == "The report was interrupted 3 times; please ask for it again."
    assert job.finished_at is not None


def test_a_run_that_was_superseded_stops_and_leaves_no_file(monkeypatch, reports_root, org, warehouse, admin):
    variants = [make_variant(org, f"SKU-{n}") for n in range(2)]
    many_movements(variants, warehouse, 200, at("2025-03-02 00:00"), by=admin)
    job = _job(admin)
    monkeypatch.setattr(jobs, "PROGRESS_MIN_ROWS", 50)
    save = jobs.report_job_progress_save

    def taken_over(**kwargs):
        # Meanwhile the sweeper gave this run up and another delivery claimed the job.
        ReportJob.objects.filter(pk=job.pk).update(attempt=2)
        save(**kwargs)

    monkeypatch.setattr(jobs, "report_job_progress_save", taken_over)

    assert report_job_run(job_id=job.pk) == "superseded"

    job.refresh_from_db()
    assert (job.status, job.attempt, job.file) == (ReportJobStatus.RUNNING, 2, "")
    assert not any(path.is_file() for path in Path(reports_root).rglob("*"))


def test_an_unexpected_error_fails_the_job_with_a_sentence(monkeypatch, admin, march):
    job = _job(admin)

    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(jobs, "stock_movement_csv_chunks", broken)

    assert report_job_run(job_id=job.pk) == "failed"

    job.refresh_from_db()
    assert job.status == ReportJobStatus.FAILED
    assert job.error == "The report could not be built because of an unexpected error; it has been logged."


def test_a_manager_who_lost_the_warehouse_before_the_run_gets_a_failed_job(manager, warehouse, march):
    job = _job(manager, warehouse=warehouse)
    manager.warehouses.clear()

    assert report_job_run(job_id=job.pk) == "failed"

    job.refresh_from_db()
    assert job.error == "You no longer have access to the warehouse this report is about."


def test_a_deleted_user_takes_their_jobs_along(org, admin):
    user = UserFactory(organization=org, username="temp", role="admin")
    _job(user)

    user.delete()

    assert not ReportJob.objects.filter(created_by_id=user.pk).exists()
