"""How every response writes money and timestamps, for the serializers that build their bodies by hand.

The hot lists (products, levels, movements) and the dashboards write rows without DRF's fields; these are the
fields' own formats, so a hand-built body and a field-built one never differ.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import orjson
from django.utils import timezone

CENT = Decimal("0.01")
# The zones a UTC timestamp is already in: psycopg reads timestamps into `dt.UTC` on connections Django keeps in UTC.
_UTC_ZONES = frozenset({dt.UTC, ZoneInfo("UTC")})


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
    zone = zone or timezone.get_current_timezone()
    if value.tzinfo is not dt.UTC or zone not in _UTC_ZONES:
        value = value.astimezone(zone)
        if value.utcoffset().seconds % 60:  # an offset in seconds (a zone's local mean time, before 1900 or so):
            return value.isoformat()  # orjson would write only its minutes (and such an offset is never `Z`)
    # orjson writes what `isoformat()` and the slice to `Z` write, in C rather than through Python calls: the hot
    # lists pay this on every row (decision 0034).
    return orjson.dumps(value, option=orjson.OPT_UTC_Z)[1:-1].decode()


def iso_date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()
