"""Dashboard routes: admins over every warehouse, managers over their own; staff and viewers get 403.

Each route validates its query string, resolves the caller's scope, and returns the selectors' figures through a
response serializer, cached briefly (see `dashboard.caching`).
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from core.db import REPLICA_ALIAS, replica_reads
from core.pagination import PageNumberPagination
from core.roles import ADMIN_MANAGER
from core.schema import ErrorSerializer
from dashboard import selectors
from dashboard.caching import cached_response_data
from dashboard.serializers import (
    DashboardQuerySerializer,
    DateRangeQuerySerializer,
    DaysQuerySerializer,
    LowStockPageSerializer,
    OverviewSerializer,
    SalesSummarySerializer,
    StockDaySerializer,
    TopProductSerializer,
    TopProductsQuerySerializer,
    TrendsQuerySerializer,
    WarehouseDashboardSerializer,
)
from stock.serializers import StockLevelSerializer
from warehouses.models import Warehouse

ACTIONS = ("overview", "low_stock", "sales", "top_products", "trends", "warehouse")


def _errors(*, bad_input: str, not_found: bool = False) -> dict:
    responses = {
        400: OpenApiResponse(ErrorSerializer, description=bad_input),
        401: OpenApiResponse(ErrorSerializer, description="Not authenticated."),
        403: OpenApiResponse(
            description="Staff and viewers; a manager asking for a warehouse that is not theirs.",
        ),
    }
    if not_found:
        responses[404] = OpenApiResponse(ErrorSerializer, description="No such warehouse in your organization.")
    return responses


_WAREHOUSE_ONLY = "An unknown warehouse id (or one of another organization)."
_DATES = "A date that is not YYYY-MM-DD, `from` after `to`, a range over 366 days, or an unknown warehouse."


class DashboardViewSet(viewsets.ViewSet):
    """Figures for the organization's dashboards; the routes are mapped one by one in `dashboard.urls`."""

    action_roles = dict.fromkeys(ACTIONS, ADMIN_MANAGER)

    def _query(self, serializer_class) -> dict:
        query = serializer_class(data=self.request.query_params, context={"request": self.request})
        query.is_valid(raise_exception=True)
        return query.validated_data

    def _scope(self, params: dict) -> selectors.DashboardScope:
        return selectors.dashboard_scope_for(user=self.request.user, warehouse=params.get("warehouse"))

    def _cached(self, scope, params: dict, compute) -> Response:
        with replica_reads() as alias:
            if alias == REPLICA_ALIAS:
                # A replica replays a commit some milliseconds after the ledger bumped the stock generation: a figure
                # read there could be cached under the new generation while still missing that commit.
                return Response(compute())
            key_params = {name: getattr(value, "pk", value) for name, value in params.items()}
            data = cached_response_data(scope=scope, route=self.action, params=key_params, compute=compute)
        return Response(data)

    @extend_schema(
        operation_id="dashboard_overview",
        summary="Dashboard overview",
        description=(
            "Counts, units on hand, inventory value at cost and at retail (expired stock apart), and the cost "
            "value per category. Stock figures cover the caller's warehouses (a manager's own); catalog counts "
            "cover the organization."
        ),
        parameters=[DashboardQuerySerializer],
        responses={200: OverviewSerializer, **_errors(bad_input=_WAREHOUSE_ONLY)},
    )
    def overview(self, request):
        params = self._query(DashboardQuerySerializer)
        scope = self._scope(params)
        return self._cached(scope, params, lambda: OverviewSerializer(selectors.dashboard_overview(scope=scope)).data)

    @extend_schema(
        operation_id="dashboard_low_stock",
        summary="Low stock levels, most urgent first",
        description="Levels at or below their reorder level, furthest below it first, then fewest units.",
        parameters=[DashboardQuerySerializer],
        responses={200: LowStockPageSerializer, **_errors(bad_input=_WAREHOUSE_ONLY)},
    )
    def low_stock(self, request):
        params = self._query(DashboardQuerySerializer)
        scope = self._scope(params)
        paginator = PageNumberPagination()

        def compute():
            page = paginator.paginate_queryset(selectors.dashboard_low_stock(scope=scope), request, view=self)
            return paginator.get_paginated_response(StockLevelSerializer(page, many=True).data).data

        # The page links are absolute: the host they name is part of the key.
        key_params = {
            **params,
            "page": request.query_params.get("page", ""),
            "size": paginator.get_page_size(request),
            "base": request.build_absolute_uri("/"),
        }
        return self._cached(scope, key_params, compute)

    @extend_schema(
        operation_id="dashboard_sales",
        summary="Sales figures",
        description=(
            "Sales fulfilled between `from` and `to` (UTC days, inclusive; the last 30 days by default), net of "
            "returns: orders, units, amount, cost of goods sold (from the unit costs recorded on the sale "
            "movements) and gross margin, with every day of the range."
        ),
        parameters=[DateRangeQuerySerializer],
        responses={200: SalesSummarySerializer, **_errors(bad_input=_DATES)},
    )
    def sales(self, request):
        params = self._query(DateRangeQuerySerializer)
        scope = self._scope(params)
        return self._cached(
            scope,
            params,
            lambda: SalesSummarySerializer(selectors.dashboard_sales(scope=scope, days=params["days"])).data,
        )

    @extend_schema(
        operation_id="dashboard_top_products",
        summary="Best-selling products",
        description="Products by units sold or by revenue between `from` and `to`, net of returns.",
        parameters=[TopProductsQuerySerializer],
        responses={
            200: TopProductSerializer(many=True),
            **_errors(bad_input=f"{_DATES} Or a `limit` outside 1..100, or `by` not units|revenue."),
        },
    )
    def top_products(self, request):
        params = self._query(TopProductsQuerySerializer)
        scope = self._scope(params)

        def compute():
            rows = selectors.dashboard_top_products(
                scope=scope, days=params["days"], limit=params["limit"], by=params["by"]
            )
            return TopProductSerializer(rows, many=True).data

        return self._cached(scope, params, compute)

    @extend_schema(
        operation_id="dashboard_trends",
        summary="Units in and out per day",
        description="Exactly `days` rows ending today (UTC), oldest first; days without movement are zeros.",
        parameters=[TrendsQuerySerializer],
        responses={
            200: StockDaySerializer(many=True),
            **_errors(bad_input="`days` outside 1..366, or an unknown warehouse."),
        },
    )
    def trends(self, request):
        params = self._query(TrendsQuerySerializer)
        scope = self._scope(params)
        return self._cached(
            scope,
            params,
            lambda: StockDaySerializer(selectors.dashboard_trends(scope=scope, days=params["range"]), many=True).data,
        )

    @extend_schema(
        operation_id="dashboard_warehouse",
        summary="One warehouse's dashboard",
        description=(
            "Units and value on hand, the most urgent low levels, units in and out per day of the last `days` "
            "days, and the activity of the people who work there over the same days."
        ),
        parameters=[DaysQuerySerializer],
        responses={
            200: WarehouseDashboardSerializer,
            **_errors(bad_input="`days` outside 1..366.", not_found=True),
        },
    )
    def warehouse(self, request, pk=None):
        warehouse = get_object_or_404(Warehouse.objects.filter(organization_id=request.user.organization_id), pk=pk)
        scope = self._scope({"warehouse": warehouse})
        params = self._query(DaysQuerySerializer)
        return self._cached(
            scope,
            params,
            lambda: (
                WarehouseDashboardSerializer(
                    selectors.dashboard_warehouse(warehouse=warehouse, days=params["range"])
                ).data
            ),
        )
