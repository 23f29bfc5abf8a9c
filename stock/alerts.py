"""The low-stock job: keep one alert per low stock level, then e-mail each manager and admin one digest a day.

A level is low when `quantity <= effective reorder level` (the level's override, else its variant's
`reorder_level`, which the level keeps as its own `reorder_level`), the same rule as
`stock.selectors.stock_level_list`. A run

1. closes the open alerts of levels that rose above their reorder level and opens one for every low level without
   one — two set-based statements whatever the number of levels (`low_stock_alerts_refresh`);
2. reads the open alerts in one query — each warehouse's most urgent ones and its count, so the rows read depend on
   the number of warehouses, not of levels (`low_stock_open_alert_list`) — and groups them per recipient in
   Python: each manager gets the low levels of their own warehouses, each admin those of the whole organization
   (`low_stock_digests_build`);
3. sends each digest at most once per recipient and UTC day (`low_stock_digest_send`): it claims a
   `LowStockDigest(recipient, day)` row with a unique insert, sends, then marks the row sent. A retry or a second
   run finds the row and sends nothing. Why at-most-once: docs/decisions/0007-low-stock-digest-at-most-once.md.

`low_stock_job_run` runs all three; the Celery task and the management command call it.
"""

import heapq
import itertools
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, DateTimeField, Exists, F, OuterRef, QuerySet, Value, Window
from django.db.models.functions import RowNumber
from django.template.loader import render_to_string
from django.utils import timezone

from core.roles import Role
from stock.figures import level_margin
from stock.models import LowStockAlert, LowStockDigest, LowStockDigestState, StockLevel, low_level_q
from users.models import User, UserStatus

logger = logging.getLogger("stockroom.stock.alerts")

# A digest lists the most urgent levels; the rest are counted and left to GET /api/products/alerts/.
DIGEST_MAX_LINES = 200


# --- Alerts ---------------------------------------------------------------------------------------------------------


def low_stock_alerts_refresh(*, now: datetime) -> tuple[int, int]:
    """Close the alerts of recovered levels, open one for each newly low level; return (opened, closed).

    One UPDATE and one INSERT ... SELECT in one transaction, whatever the number of levels. Safe to run twice at
    once: the partial unique constraint (one open alert per level) and ON CONFLICT DO NOTHING keep a level from
    getting two open alerts, and a second UPDATE finds nothing left to close.
    """
    with transaction.atomic():
        closed = (
            LowStockAlert.objects.filter(closed_at__isnull=True)
            .exclude(low_level_q(prefix="level__"))
            .order_by()
            .update(closed_at=now)
        )
        opened = _open_alerts_for_low_levels(now)
    return opened, closed


def _open_alerts_for_low_levels(now: datetime) -> int:
    open_alert = LowStockAlert.objects.filter(level_id=OuterRef("pk"), closed_at__isnull=True)
    newly_low = (
        StockLevel.objects.filter(low_level_q())
        .exclude(Exists(open_alert))
        .order_by()
        .annotate(opened_at=Value(now, output_field=DateTimeField()))
        .values_list("pk", "quantity", "reorder_level", "opened_at")
    )
    select, params = newly_low.query.sql_with_params()
    # INSERT ... SELECT: one statement whatever the number of levels. The SELECT has a WHERE, which also keeps
    # SQLite from reading the ON of ON CONFLICT as a join constraint.
    sql = f"""
        INSERT INTO {LowStockAlert._meta.db_table} (level_id, quantity_at_open, reorder_level_at_open, opened_at)
        {select}
        ON CONFLICT DO NOTHING
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # With the alert table empty, or its statistics behind, the planner picks a nested-loop anti join whose
            # inner scan re-reads every row this statement has inserted so far: quadratic in the new alerts. Only for
            # this statement.
            cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(sql, params)
        opened = cursor.rowcount
        if connection.vendor == "postgresql":
            cursor.execute("RESET enable_nestloop")
    return opened


def low_stock_open_alert_list() -> QuerySet:
    """The most urgent open alerts of every warehouse (at most `DIGEST_MAX_LINES` each, furthest below the reorder
    level first), each with the number of open alerts of its warehouse, as rows with attributes `organization_id,
    warehouse_id, warehouse_name, sku, product_name, quantity, reorder_level, opened_at, warehouse_total`.

    Any digest's first lines are among its warehouses' first lines, so this is all the digests need, and its size
    depends on the number of warehouses, not of levels.
    """
    urgency = [level_margin(prefix="level__").asc(), F("level_id").asc()]
    return (
        LowStockAlert.objects.filter(closed_at__isnull=True)
        .annotate(
            organization_id=F("level__organization_id"),
            warehouse_id=F("level__warehouse_id"),
            warehouse_name=F("level__warehouse__name"),
            sku=F("level__variant__sku"),
            product_name=F("level__variant__product__name"),
            quantity=F("level__quantity"),
            reorder_level=F("level__reorder_level"),
        )
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("warehouse_id")], order_by=urgency),
            warehouse_total=Window(Count("id"), partition_by=[F("warehouse_id")]),
        )
        .filter(rank__lte=DIGEST_MAX_LINES)
        .order_by(*urgency)
        .values_list(
            "organization_id",
            "warehouse_id",
            "warehouse_name",
            "sku",
            "product_name",
            "quantity",
            "reorder_level",
            "opened_at",
            "warehouse_total",
            named=True,
        )
    )


# --- Digests --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LowStockDigestDraft:
    """What one recipient gets: the first `lines` in urgency order, of `total` open alerts; `scope` names what
    they cover.
    """

    recipient: User
    scope: str
    lines: list
    total: int

    @property
    def is_admin(self) -> bool:
        return self.recipient.role == Role.ADMIN


def _shortfall(line) -> int:
    return line.quantity - line.reorder_level


def _draft(user: User, scope: str, groups: list[list]) -> LowStockDigestDraft:
    # Each group is in the database's urgency order; the merge is stable, so ties keep that order.
    lines = list(itertools.islice(heapq.merge(*groups, key=_shortfall), DIGEST_MAX_LINES))
    return LowStockDigestDraft(user, scope, lines, sum(group[0].warehouse_total for group in groups))


def low_stock_digests_build(*, lines) -> list[LowStockDigestDraft]:
    """One draft per active admin and manager with an e-mail address and at least one open alert to report.

    `lines` come from `low_stock_open_alert_list`. An admin's draft covers their whole organization, a manager's
    their own (assigned) warehouses. Two queries (recipients, managers' warehouses). Lines are keyed by
    organization first, so no recipient can see another organization's levels.
    """
    by_warehouse: dict[tuple[int, int], list] = defaultdict(list)
    for line in lines:  # already in urgency order, so every group is too
        by_warehouse[(line.organization_id, line.warehouse_id)].append(line)
    by_org: dict[int, list[list]] = defaultdict(list)
    for (organization_id, _), group in by_warehouse.items():
        by_org[organization_id].append(group)
    if not by_org:
        return []
    recipients = list(
        User.objects.filter(
            organization_id__in=by_org.keys(),
            role__in=[Role.ADMIN, Role.MANAGER],
            is_active=True,
            status=UserStatus.ACTIVE,
        )
        .exclude(email="")
        .select_related("organization")
        .order_by("organization_id", "role", "pk")
    )
    assigned: dict[int, list[int]] = defaultdict(list)
    managers = [user.pk for user in recipients if user.role == Role.MANAGER]
    for user_id, warehouse_id in User.warehouses.through.objects.filter(user_id__in=managers).values_list(
        "user_id", "warehouse_id"
    ):
        assigned[user_id].append(warehouse_id)

    drafts = []
    for user in recipients:
        if user.role == Role.ADMIN:
            drafts.append(_draft(user, user.organization.name, by_org[user.organization_id]))
            continue
        keys = {(user.organization_id, warehouse_id) for warehouse_id in assigned[user.pk]}
        groups = [by_warehouse[key] for key in sorted(keys) if key in by_warehouse]
        if not groups:
            continue  # nothing low in their warehouses: no e-mail
        names = sorted(group[0].warehouse_name for group in groups)
        scope = ", ".join(names) if len(names) <= 3 else f"{len(names)} of your warehouses"
        drafts.append(_draft(user, scope, groups))
    return drafts


def _subject(draft: LowStockDigestDraft, day: date) -> str:
    count = draft.total
    subject = f"Low stock on {day.isoformat()}: {count} level{'' if count == 1 else 's'} in {draft.scope}"
    return " ".join(subject.split())[:255]  # no header injection through a name, and it fits the log column


def _message(draft: LowStockDigestDraft, day: date, backend: BaseEmailBackend) -> EmailMultiAlternatives:
    user = draft.recipient
    context = {
        "name": user.get_full_name() or user.username,
        "organization": user.organization.name,
        "scope": draft.scope,
        "is_admin": draft.is_admin,
        "day": day,
        "lines": draft.lines,
        "total": draft.total,
        "more": draft.total - len(draft.lines),
    }
    message = EmailMultiAlternatives(
        subject=_subject(draft, day),
        body=render_to_string("stock/email/low_stock_digest.txt", context),
        to=[user.email],
        connection=backend,
    )
    message.attach_alternative(render_to_string("stock/email/low_stock_digest.html", context), "text/html")
    return message


class DigestOutcome:
    SENT = "sent"
    ALREADY_SENT = "already_sent"
    IN_FLIGHT = "in_flight"  # claimed by another run that is sending, or was interrupted while sending


def low_stock_digest_send(
    *, draft: LowStockDigestDraft, day: date, backend: BaseEmailBackend, now: datetime | None = None
) -> str:
    """Send `draft` unless its recipient's digest of `day` is already claimed; return a `DigestOutcome`.

    Claim (unique insert of a pending row, committed) → send → mark sent. If sending raises, the server did not take
    the message, so the claim is given back (deleted) for a retry, and the error propagates. A claim left pending
    by a run that died mid-send is never taken over: at most one e-mail per recipient and day.
    """
    message = _message(draft, day, backend)
    try:
        with transaction.atomic():
            claim = LowStockDigest.objects.create(
                organization_id=draft.recipient.organization_id,
                recipient=draft.recipient,
                day=day,
                email=draft.recipient.email,
                subject=message.subject,
                alert_count=draft.total,
                claimed_at=now or timezone.now(),
            )
    except IntegrityError:
        state = LowStockDigest.objects.filter(recipient=draft.recipient, day=day).values_list("state", flat=True)
        return DigestOutcome.ALREADY_SENT if state.first() == LowStockDigestState.SENT else DigestOutcome.IN_FLIGHT
    try:
        backend.open()
        backend.send_messages([message])
    except Exception:
        LowStockDigest.objects.filter(pk=claim.pk, state=LowStockDigestState.PENDING).delete()
        raise
    LowStockDigest.objects.filter(pk=claim.pk).update(state=LowStockDigestState.SENT, sent_at=timezone.now())
    return DigestOutcome.SENT


# --- The job --------------------------------------------------------------------------------------------------------


@dataclass
class LowStockJobResult:
    day: date
    opened: int = 0
    closed: int = 0
    open_alerts: int = 0
    sent: int = 0
    already_sent: int = 0
    in_flight: int = 0
    failures: list[tuple[str, Exception]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "day": self.day.isoformat(),
            "alerts_opened": self.opened,
            "alerts_closed": self.closed,
            "open_alerts": self.open_alerts,
            "emails_sent": self.sent,
            "already_sent": self.already_sent,
            "in_flight": self.in_flight,
            "failed": [f"{email}: {error!r}" for email, error in self.failures],
        }


def low_stock_job_run(*, now: datetime | None = None) -> LowStockJobResult:
    """Refresh the alerts, then send today's (UTC) digests that are not sent yet.

    Sending errors (`OSError`, which covers `smtplib.SMTPException` and `ConnectionError`) do not stop the run: the
    failed recipients' claims are given back and the errors are listed in `failures`, for the caller to retry.
    The number of queries grows with the number of recipients, never with the number of levels.
    """
    now = now or timezone.now()
    result = LowStockJobResult(day=now.astimezone(UTC).date())
    result.opened, result.closed = low_stock_alerts_refresh(now=now)
    lines = list(low_stock_open_alert_list())
    result.open_alerts = sum({line.warehouse_id: line.warehouse_total for line in lines}.values())
    drafts = low_stock_digests_build(lines=lines)
    done = dict(LowStockDigest.objects.filter(day=result.day).values_list("recipient_id", "state"))
    backend = get_connection()  # one SMTP session for the whole run, opened at the first send
    try:
        for draft in drafts:
            state = done.get(draft.recipient.pk)
            if state is not None:
                outcome = DigestOutcome.ALREADY_SENT if state == LowStockDigestState.SENT else DigestOutcome.IN_FLIGHT
            else:
                try:
                    outcome = low_stock_digest_send(draft=draft, day=result.day, backend=backend, now=now)
                except OSError as error:
                    logger.warning("Low-stock digest to %s not sent: %r", draft.recipient.email, error)
                    result.failures.append((draft.recipient.email, error))
                    _close_quietly(backend)  # the next recipient starts a fresh session
                    continue
            if outcome == DigestOutcome.IN_FLIGHT:
                logger.warning(
                    "Low-stock digest to %s of %s is claimed but not marked sent (another run is sending, or one "
                    "was interrupted): not sent again.",
                    draft.recipient.email,
                    result.day,
                )
            setattr(result, outcome, getattr(result, outcome) + 1)  # the outcomes name the counters
    finally:
        _close_quietly(backend)
    logger.info("Low-stock job: %s", result.as_dict())
    return result


def _close_quietly(backend: BaseEmailBackend) -> None:
    # Every message already sent was accepted by the server; a failing QUIT must not count as a failed send.
    try:
        backend.close()
    except Exception:  # noqa: BLE001
        logger.warning("Closing the e-mail connection failed", exc_info=True)
