"""What the low-stock job tests share: the day they run on, a sale through the ledger, and reading the e-mails sent."""

from datetime import UTC, datetime

from django.core import mail

from stock.models import Reason, StockLevel
from stock.services import StockChange, stock_remove

DAY = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


def take_stock(variant, warehouse, quantity):
    stock_remove(
        organization_id=variant.organization_id,
        changes=[StockChange(variant.pk, warehouse.pk, quantity)],
        reason=Reason.SALE,
    )


def level_of(variant, warehouse):
    return StockLevel.objects.get(variant=variant, warehouse=warehouse)


def mail_to(address):
    [message] = [message for message in mail.outbox if message.to == [address]]
    return message


def html_of(message):
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html
