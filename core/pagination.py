"""The contract's two pagination styles."""

import binascii
from base64 import b64decode, b64encode
from urllib import parse

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.utils.urls import replace_query_param

from core.kept_pages import KeptRows

# Lines of each order that a list shows: a page of orders stays small whatever the orders hold. `items_count` says
# how many lines an order has; its own route (`GET .../{id}/`) shows them all.
LIST_ITEMS = 10
LIST_ITEMS_HELP = (
    f"The order's lines, by id. In a list, the first {LIST_ITEMS} only (`items_count` says how many there are); "
    "the order's own route has them all."
)


def lines_count(model, parent_field: str) -> Coalesce:
    """The number of `model` rows whose `parent_field` is the outer row: a subquery, so no GROUP BY on the list."""
    counted = (
        model.objects.filter(**{parent_field: OuterRef("pk")})
        .order_by()
        .values(parent_field)
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


class WholePageSizeMixin:
    """`?page_size=` that is not a whole number is a 400, as for any other malformed parameter.

    DRF ignores it and answers the default page, so a typo (`?page_size=2O`) looks like a working request. A whole
    number out of range keeps DRF's meaning: below 1 the default size, above the maximum the maximum.
    """

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw:  # empty is absent, as for every query parameter
            try:
                int(raw)
            except ValueError:
                raise ValidationError({self.page_size_query_param: ["A whole number is required."]}) from None
        return super().get_page_size(request)


# The largest OFFSET a query may carry (PostgreSQL's bigint); a page beyond it is beyond the last row of any table.
MAX_OFFSET = 2**63 - 1


class RowsFirstPaginator(Paginator):
    """Django's paginator, reading the page's rows before the count: a page shorter than `per_page` that is not
    empty (or the first page, empty) is the last one, so the count is the rows before it plus its own, and the
    `COUNT(*)` statement is not sent. A full page, or an empty page past the first, counts as Django's does (an empty
    page past the end stays a 404).
    """

    def page(self, number):
        if "count" in self.__dict__ or self.orphans:
            return super().page(number)
        number = self._whole_positive(number)
        bottom = (number - 1) * self.per_page
        if bottom > MAX_OFFSET:
            return super().page(number)  # an offset no database takes is past any end: the count decides
        rows = list(self.object_list[bottom : bottom + self.per_page])
        if len(rows) < self.per_page and (rows or number == 1):
            self.count = bottom + len(rows)  # the cached property's value, as `count()` would have found it
        if not rows and number > 1:
            return super().page(number)  # past the end: the count decides (no such page)
        self.validate_number(number)  # a full page counts here
        return self._get_page(rows, number, self)

    def _whole_positive(self, number) -> int:
        """`validate_number` before its comparison with the count: not a whole number or below 1 raises as it does."""
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number


class PageNumberPagination(WholePageSizeMixin, pagination.PageNumberPagination):
    """`{"count", "next", "previous", "results"}` with `?page=` and `?page_size=` (default 20, max 100)."""

    django_paginator_class = RowsFirstPaginator
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class NewestFirstCursorPagination(WholePageSizeMixin, pagination.CursorPagination):
    """Cursor pagination, newest first, for lists that grow without bound (stock movements).

    Ordered by `(-created_at, -id)`: newest first literally, so a date range (`?created_before=`) and the cursor's
    position are both ranges of one index `(..., created_at DESC, id DESC)` per filter. Ordered by `-id` alone, the
    planner cannot know that ids follow `created_at`, and an early date walked the id index through most of the
    ledger to find a page.

    Ordering by time is safe for the ledger: within one level, a movement's timestamp is taken after the level's
    row lock (and the rows of one call are stamped in the order they are written), so a level's movements are in
    `created_at` order as they are in balance and id order; the id breaks ties. Across levels, time is the order a
    reader means by "newest". (Only rows restamped by hand, as the demo seeds do, can disagree.)

    The position is the last row's `(created_at, id)` — keyset pagination on both fields. DRF's own cursor positions
    on the first field only and counts an offset through ties, and one ledger call writes several movements that
    may share a timestamp: its previous links skipped rows around runs of equal timestamps. A page is
    `created_at <= t AND (created_at < t OR id < i)` (`>`, reversed, for a previous link): the first condition is an
    index range, the second drops only the rows of the position's own timestamp.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-created_at", "-id")  # both descending; the second unique (the cursor's tie-breaker)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.cursor = self.decode_cursor(request)
        reverse = self.cursor is not None and self.cursor.reverse
        position = self.cursor.position if self.cursor is not None else None

        def shape(queryset):
            queryset = queryset.order_by(*(self._fields if reverse else self.ordering))
            if position is not None:
                queryset = queryset.filter(self._beyond(position, newer=reverse))
            return queryset[: self.page_size + 1]

        if isinstance(queryset, KeptRows):
            rows = queryset.read(("cursor", self.cursor, self.page_size), shape)
        else:
            rows = list(shape(queryset))
        more = len(rows) > self.page_size
        self.page = rows[: self.page_size]
        if reverse:
            self.page.reverse()
            self.has_next, self.has_previous = position is not None, more
        else:
            self.has_next, self.has_previous = more, position is not None
        if self.has_next or self.has_previous:
            self.display_page_controls = True
        return self.page

    @property
    def _fields(self) -> tuple[str, str]:
        time_field, tie_field = (name.lstrip("-") for name in self.ordering)
        return time_field, tie_field

    def _beyond(self, position, *, newer: bool) -> Q:
        (stamp, tie), (time_field, tie_field) = position, self._fields
        op = "gt" if newer else "lt"
        return Q(**{f"{time_field}__{op}e": stamp}) & (
            Q(**{f"{time_field}__{op}": stamp}) | Q(**{f"{tie_field}__{op}": tie})
        )

    def get_next_link(self):
        if not self.has_next:
            return None
        if self.page:
            position = self._position_of(self.page[-1])
        else:  # an empty previous page: everything from the position on (ids are integers: < i + 1 is <= i)
            stamp, tie = self.cursor.position
            position = (stamp, tie + 1)
        return self.encode_cursor(pagination.Cursor(offset=0, reverse=False, position=position))

    def get_previous_link(self):
        if not self.has_previous:
            return None
        if self.page:
            position = self._position_of(self.page[0])
        else:  # an empty next page: everything from the position back
            stamp, tie = self.cursor.position
            position = (stamp, tie - 1)
        return self.encode_cursor(pagination.Cursor(offset=0, reverse=True, position=position))

    def _position_of(self, row):
        """`(created_at, id)` of a row: a model instance, or a dict of `.values()`."""
        if isinstance(row, dict):
            return tuple(row[name] for name in self._fields)
        return tuple(getattr(row, name) for name in self._fields)

    def encode_cursor(self, cursor):
        """`r` (1 for a previous link), `p` the position's time (ISO 8601, microseconds, offset), `i` its id."""
        tokens = {}
        if cursor.reverse:
            tokens["r"] = "1"
        if cursor.position is not None:
            stamp, tie = cursor.position
            tokens["p"] = stamp.isoformat()
            tokens["i"] = str(tie)
        encoded = b64encode(parse.urlencode(tokens).encode("ascii")).decode("ascii")
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def decode_cursor(self, request):
        """The request's cursor, or None; a cursor that is not one of ours (or is from before this format) → 404."""
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            tokens = parse.parse_qs(b64decode(encoded.encode("ascii"), validate=True).decode("ascii"))
            reverse = bool(int(tokens.get("r", ["0"])[0]))
            stamp = parse_datetime(tokens["p"][0])
            tie = int(tokens["i"][0])
            if stamp is None or timezone.is_naive(stamp):
                raise ValueError("not an aware timestamp")
        except (KeyError, TypeError, ValueError, UnicodeError, binascii.Error) as error:
            raise NotFound(self.invalid_cursor_message) from error
        return pagination.Cursor(offset=0, reverse=reverse, position=(stamp, tie))
