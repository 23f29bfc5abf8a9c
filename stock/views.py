"""Stock routes: levels, the movement ledger (read-only), adjustments, transfers, alerts.

Thin: validate, call, serialize.
"""

from types import SimpleNamespace

from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.serializers import ProductSerializer
from core.filters import SearchFilter
from core.idempotency import IdempotentMixin
from core.kept_pages import page_rows
from core.pagination import LIST_ITEMS, NewestFirstCursorPagination
from core.permissions import is_org_member
from core.roles import ADMIN_MANAGER, ADMIN_MANAGER_STAFF, ADMIN_ONLY
from stock import selectors, services
from stock.filters import (
    StockAdjustmentFilter,
    StockLevelFilter,
    StockMovementFilter,
    StockReservationFilter,
    TransferFilter,
)
from stock.models import StockAdjustment, StockLevel, StockMovement, StockReservation, Transfer
from stock.representations import movement_row_data
from stock.serializers import (
    LEVEL_ROW_COLUMNS,
    StockAdjustmentCreateSerializer,
    StockAdjustmentSerializer,
    StockLevelSerializer,
    StockLevelUpdateSerializer,
    StockMovementSerializer,
    StockReservationSerializer,
    TransferCreateSerializer,
    TransferSerializer,
)

_INVALID_TRANSFER = OpenApiResponse(
    description="`invalid_transition`: the transfer is no longer `requested`; `current_status` says what it is."
)
_TRANSFER_409 = OpenApiResponse(
    description="`insufficient_stock`: `lines` names every short line, nothing moved; or `invalid_transition`: "
    "the transfer is no longer `requested` (`current_status`)."
)


class _OrganizationSelectorMixin:
    """`get_queryset()` from a selector taking `organization_id`; nothing for anonymous or schema requests."""

    queryset = None  # set by each view: names the model (router basename, generic tests); never queried as is

    def select(self, organization_id: int):
        raise NotImplementedError

    def get_queryset(self):
        user = self.request.user
        if not is_org_member(user):
            return self.queryset.model.objects.none()
        return self.select(user.organization_id)


def _level_rows(queryset):
    return queryset.values(*LEVEL_ROW_COLUMNS)


@extend_schema_view(
    list=extend_schema(summary="List stock levels"),
    retrieve=extend_schema(summary="Get a stock level"),
    partial_update=extend_schema(
        summary="Set a level's reorder override",
        description="Only `reorder_level_override` can change here; quantities change through the ledger only.",
        request=StockLevelUpdateSerializer,
        responses={200: StockLevelSerializer},
    ),
)
class StockLevelViewSet(
    _OrganizationSelectorMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = StockLevel.objects.all()
    serializer_class = StockLevelSerializer
    filterset_class = StockLevelFilter
    search_fields = ["variant__sku", "variant__product__name"]
    # Only orderings an index serves (bench/README.md, "Index check"): the level's figures change on every ledger
    # write, so indexes on them would be maintained inside the level's lock, and joined names have none.
    ordering_fields = ["id"]
    http_method_names = ["get", "patch", "head", "options"]
    action_roles = {"partial_update": ADMIN_MANAGER}

    def select(self, organization_id):
        return selectors.stock_level_list(organization_id=organization_id)

    def list(self, request, *args, **kwargs):
        # Read as rows, handed to the serializer as attributes; without a search, the page's statements are kept
        # compiled (core.kept_pages).
        rows = page_rows(self, key=("stock-levels", request.user.organization_id), model=StockLevel, rows=_level_rows)
        page = [SimpleNamespace(**row) for row in self.paginate_queryset(rows)]
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def partial_update(self, request, *args, **kwargs):
        level = self.get_object()
        serializer = StockLevelUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if "reorder_level_override" in serializer.validated_data:
            services.stock_level_update(
                level=level,
                by=request.user,
                reorder_level_override=serializer.validated_data["reorder_level_override"],
            )
        level = self.get_queryset().get(pk=level.pk)
        return Response(StockLevelSerializer(level).data)


@extend_schema_view(
    list=extend_schema(summary="List stock movements (the ledger), newest first"),
    retrieve=extend_schema(summary="Get a stock movement"),
)
class StockMovementViewSet(_OrganizationSelectorMixin, viewsets.ReadOnlyModelViewSet):
    """The append-only ledger. Every write method answers 405."""

    queryset = StockMovement.objects.all()
    serializer_class = StockMovementSerializer
    pagination_class = NewestFirstCursorPagination
    # No OrderingFilter: the cursor owns the order (newest first).
    filter_backends = [DjangoFilterBackend, SearchFilter]
    filterset_class = StockMovementFilter
    search_fields = ["variant__sku", "variant__product__name", "note"]

    def select(self, organization_id):
        if self.action == "list":  # read as rows, shaped by `movement_row_data` (what the serializer itself uses)
            return selectors.stock_movement_rows(organization_id=organization_id)
        return selectors.stock_movement_list(organization_id=organization_id)

    def list(self, request, *args, **kwargs):
        # Without a search, the page's statement is kept compiled (core.kept_pages).
        # The date filters start their days in the current time zone.
        key = ("stock-movements", request.user.organization_id, timezone.get_current_timezone_name())
        rows = self.paginate_queryset(page_rows(self, key=key, model=StockMovement))
        zone = timezone.get_current_timezone()
        return self.get_paginated_response([movement_row_data(row, zone) for row in rows])


@extend_schema_view(
    list=extend_schema(
        summary="List stock reservations (units held for pending sales orders), newest first",
        description="Read-only: reservations are made, topped up, shrunk and released by the sales order routes "
        "and by stock changes. Only reservations holding at least one unit are listed.",
    ),
    retrieve=extend_schema(summary="Get a stock reservation"),
)
class StockReservationViewSet(_OrganizationSelectorMixin, viewsets.ReadOnlyModelViewSet):
    """Every write method answers 405."""

    queryset = StockReservation.objects.all()
    serializer_class = StockReservationSerializer
    filterset_class = StockReservationFilter
    search_fields = ["reference_number", "level__variant__sku"]
    ordering_fields = ["id", "created_at", "quantity"]
    ordering = ["-id"]

    def select(self, organization_id):
        return selectors.stock_reservation_list(organization_id=organization_id)


@extend_schema_view(
    list=extend_schema(summary="List stock adjustments"),
    retrieve=extend_schema(summary="Get a stock adjustment"),
    create=extend_schema(
        summary="Adjust stock (a signed change or a physical count)",
        request=StockAdjustmentCreateSerializer,
        responses={201: StockAdjustmentSerializer},
        examples=[
            OpenApiExample(
                "Opening stock", value={"sku": "TSHIRT-M", "warehouse": 1, "quantity": 40, "reason": "opening"}
            ),
            OpenApiExample(
                "Write off two damaged units", value={"variant": 7, "warehouse": 1, "quantity": -2, "note": "Damaged"}
            ),
            OpenApiExample("Physical count", value={"variant": 7, "warehouse": 1, "counted_quantity": 35}),
        ],
    ),
)
class StockAdjustmentViewSet(
    IdempotentMixin,
    _OrganizationSelectorMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = StockAdjustment.objects.all()
    serializer_class = StockAdjustmentSerializer
    filterset_class = StockAdjustmentFilter
    search_fields = ["variant__sku", "note"]
    ordering_fields = ["id", "created_at", "quantity"]
    ordering = ["-id"]
    action_roles = {"create": ADMIN_MANAGER_STAFF}

    def select(self, organization_id):
        return selectors.stock_adjustment_list(organization_id=organization_id)

    def get_serializer_class(self):
        return StockAdjustmentCreateSerializer if self.action == "create" else StockAdjustmentSerializer

    def create(self, request, *args, **kwargs):
        serializer = StockAdjustmentCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        adjustment = services.stock_adjustment_create(by=request.user, **serializer.validated_data)
        return Response(StockAdjustmentSerializer(adjustment).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="List transfers"),
    retrieve=extend_schema(summary="Get a transfer"),
    create=extend_schema(
        summary="Request a transfer between two warehouses",
        request=TransferCreateSerializer,
        responses={201: TransferSerializer},
        examples=[
            OpenApiExample(
                "Two lines",
                value={
                    "source_warehouse": 1,
                    "destination_warehouse": 2,
                    "items": [{"sku": "TSHIRT-M", "quantity": 5}, {"variant": 7, "quantity": 2}],
                    "note": "Restock the annex",
                },
            )
        ],
    ),
    approve=extend_schema(
        summary="Approve a transfer and move its stock (admin)",
        description="Moves every line at once (an OUT at the source and an IN at the destination, reason "
        "`transfer`) and completes the transfer. Short stock at the source is 409 `insufficient_stock` naming "
        "every short line, and nothing moves; a transfer that is not `requested` is 409 `invalid_transition`.",
        request=None,
        responses={200: TransferSerializer, 409: _TRANSFER_409},
    ),
    reject=extend_schema(
        summary="Reject a transfer (admin)",
        description="Nothing moves. 409 `invalid_transition` unless the transfer is `requested`.",
        request=None,
        responses={200: TransferSerializer, 409: _INVALID_TRANSFER},
    ),
    cancel=extend_schema(
        summary="Cancel a transfer (requester or admin)",
        description="Withdraws a request that is still `requested`; nothing moves. Otherwise 409 "
        "`invalid_transition`.",
        request=None,
        responses={200: TransferSerializer, 409: _INVALID_TRANSFER},
    ),
)
class TransferViewSet(
    IdempotentMixin,
    _OrganizationSelectorMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Transfer.objects.all()
    serializer_class = TransferSerializer
    filterset_class = TransferFilter
    search_fields = ["number", "note"]
    ordering_fields = ["id", "created_at", "status"]
    ordering = ["-id"]
    action_roles = {"create": ADMIN_MANAGER, "approve": ADMIN_ONLY, "reject": ADMIN_ONLY, "cancel": ADMIN_MANAGER}

    def select(self, organization_id):
        items_limit = LIST_ITEMS if self.action == "list" else None
        return selectors.transfer_list(organization_id=organization_id, items_limit=items_limit)

    def get_serializer_class(self):
        return TransferCreateSerializer if self.action == "create" else TransferSerializer

    def create(self, request, *args, **kwargs):
        serializer = TransferCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        transfer = services.transfer_request(
            by=request.user,
            source_warehouse=data["source_warehouse"],
            destination_warehouse=data["destination_warehouse"],
            items=[services.TransferLine(item["variant"], item["quantity"]) for item in data["items"]],
            note=data["note"],
        )
        return self._respond(transfer, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._respond(services.transfer_approve(transfer=self.get_object(), by=request.user))

    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._respond(services.transfer_reject(transfer=self.get_object(), by=request.user))

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._respond(services.transfer_cancel(transfer=self.get_object(), by=request.user))

    def _respond(self, transfer, status_code=status.HTTP_200_OK):
        transfer = self.get_queryset().get(pk=transfer.pk)
        return Response(TransferSerializer(transfer).data, status=status_code)


class _AlertsQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(
        min_value=0, max_value=3650, default=30, help_text="How far ahead `expiring_soon` looks, in days."
    )
    warehouse = serializers.IntegerField(
        required=False, min_value=1, help_text="Only the low stock levels of this warehouse."
    )


class StockAlertsSerializer(serializers.Serializer):
    low_stock = StockLevelSerializer(many=True, help_text="Low levels, most urgent first.")
    expired = ProductSerializer(many=True, help_text="Active products past their expiration date.")
    expiring_soon = ProductSerializer(many=True, help_text="Active products expiring within `days` days.")


class StockAlertsView(APIView):
    """What needs attention: low stock levels, expired products and products expiring soon."""

    @extend_schema(
        summary="Stock alerts: low stock, expired and expiring products",
        description="What needs attention: low stock levels (most urgent first, `?warehouse=` for one), active "
        "products whose expiration date is today or earlier, and those expiring within `days` days.",
        parameters=[_AlertsQuerySerializer],
        responses={200: StockAlertsSerializer},
    )
    def get(self, request):
        query = _AlertsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        alerts = selectors.stock_alerts(
            organization=request.user.organization,
            days=query.validated_data["days"],
            warehouse_id=query.validated_data.get("warehouse"),
        )
        context = {"request": request}
        return Response(
            {
                "low_stock": StockLevelSerializer(alerts.low_stock, many=True).data,
                "expired": ProductSerializer(alerts.expired, many=True, context=context).data,
                "expiring_soon": ProductSerializer(alerts.expiring_soon, many=True, context=context).data,
            }
        )
