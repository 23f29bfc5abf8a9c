"""The hand-built bodies write timestamps exactly as DRF's `DateTimeField` does (`core.formats.iso_datetime`)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from rest_framework import serializers

from core.formats import iso_datetime

ZONES = [
    *("UTC", "Europe/Paris", "Europe/Amsterdam", "America/St_Johns"),
    *("Asia/Kathmandu", "Pacific/Chatham", "Africa/Abidjan"),
]
FIELD = serializers.DateTimeField()
# Aware values: as read from the database (dt.UTC), or in any of the zones and fixed offsets.
TZINFOS = st.one_of(
    st.just(dt.UTC),
    st.sampled_from(ZONES).map(ZoneInfo),
    st.integers(-14 * 60, 14 * 60).map(lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))),
)
# From before the zones kept local mean time (offsets in seconds, which orjson cannot write) to far ahead.
VALUES = st.datetimes(min_value=dt.datetime(1800, 1, 2), max_value=dt.datetime(2200, 1, 1), timezones=TZINFOS)


@pytest.mark.parametrize("zone", ZONES)
@given(value=VALUES)
def test_iso_datetime_writes_what_drf_writes(zone, value):
    with timezone.override(ZoneInfo(zone)):
        assert iso_datetime(value) == FIELD.to_representation(value)
        assert iso_datetime(value, timezone.get_current_timezone()) == FIELD.to_representation(value)


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (dt.datetime(2026, 12, 7, 0, 10, 59, 743919, tzinfo=dt.UTC), "2026-12-07T00:10:59.743919Z"),
        (dt.datetime(2026, 12, 7, 0, 10, 59, tzinfo=dt.UTC), "2026-12-07T00:10:59Z"),  # no fraction when it is 0
        (dt.datetime(2026, 12, 7, 1, 0, 0, 5, tzinfo=ZoneInfo("Europe/Paris")), "2026-12-07T00:00:00.000005Z"),
        (None, None),
    ],
)
def test_iso_datetime_in_utc(value, written):
    with timezone.override(ZoneInfo("UTC")):
        assert iso_datetime(value) == written


def test_iso_datetime_in_another_zone():
    value = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)
    assert iso_datetime(value, ZoneInfo("Europe/Paris")) == "2026-07-01T14:00:00+02:00"


def test_iso_datetime_keeps_an_offset_in_seconds():
    value = dt.datetime(1900, 1, 1, 12, 0, tzinfo=dt.UTC)
    assert iso_datetime(value, ZoneInfo("Europe/Paris")) == "1900-01-01T12:09:21+00:09:21"
