"""How every response writes money and timestamps, for the serializers that build their bodies by hand.

The hot lists (products, levels, movements) and the dashboards write rows without DRF's fields; these are the
fields' own formats, so a hand-built body and a field-built one never differ.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

CENT = Decimal("0.01")


def money(value) -> str | None:
    """A decimal string with two places, rounded half up (as DRF's DecimalField with `decimal_places=2`); None stays
    None.
    """
    if value is None:
        return None
    return str(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))


def iso_datetime(value: dt.datetime | None, zone: dt.tzinfo | None = None) -> str | None:
    """What DRF's DateTimeField writes: ISO 8601 in the current time zone (`zone`: looked up once for a page), `Z`
    for UTC.
    """
    if value is None:
        return None
    text = value.astimezone(zone or timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def iso_date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()
