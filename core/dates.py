"""Calendar days in UTC, the one range every dashboard and report speaks in."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

UTC = dt.UTC


def today_utc() -> dt.date:
    return timezone.now().astimezone(UTC).date()


@dataclass(frozen=True)
class DayRange:
    """An inclusive range of UTC calendar days, `start` to `end`."""

    start: dt.date
    end: dt.date

    @classmethod
    def last_days(cls, days: int, *, end: dt.date | None = None) -> "DayRange":
        end = end or today_utc()
        return cls(end - dt.timedelta(days=days - 1), end)

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time.min, tzinfo=UTC)

    @property
    def end_before(self) -> dt.datetime:
        """The first instant after the range (an exclusive bound keeps the last microsecond of the day in).

        Raises OverflowError on the last day of the calendar, which has no next day.
        """
        return dt.datetime.combine(self.end, dt.time.min, tzinfo=UTC) + dt.timedelta(days=1)

    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=offset) for offset in range((self.end - self.start).days + 1)]

    def lookup(self, field: str) -> Q:
        """`field` (a timestamp) falls within the range."""
        return Q(**{f"{field}__gte": self.start_at, f"{field}__lt": self.end_before})
