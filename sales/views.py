"""`/api/sales-orders/`: thin views over `sales.services` (writes) and `sales.selectors` (reads)."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.idempotency import IdempotentMixin
from core.pagination import LIST_ITEMS
from core.roles import ADMIN_MANAGER_STAFF, ALL_ROLES
from core.tenancy import OrganizationScopedMixin
from sales import services
from sales.filters import SalesOrderFilter
from sales.models import SalesOrder
from sales.selectors import sales_order_get
from sales.serializers import (
    SalesOrderCreateSerializer,
    SalesOrderRejectSerializer,
    SalesOrderReturnSerializer,
    SalesOrderSerializer,
    SalesOrderUpdateSerializer,
)

_INSUFFICIENT = OpenApiResponse(
    description="`insufficient_stock`: `lines: [{variant, sku, warehouse, requested, available}]`, `available` being "
    "the units not promised to other pending orders (plus this order's own reservation when fulfilling); nothing "
    "changed."
)
_INVALID = OpenApiResponse(description="`invalid_transition`: not a legal move from the order's current status.")
_FORBIDDEN = OpenApiResponse(description="Your role or warehouses do not allow this.")
_UNAUTHENTICATED = OpenApiResponse(description="No credentials, or a bad or expired token.")
_NOT_FOUND = OpenApiResponse(description="No such order in your organization.")


@extend_schema_view(
    list=extend_schema(summary="List sales orders (newest first)"),
    retrieve=extend_schema(summary="A sales order with its lines"),
    create=extend_schema(
        summary="Create a sales order (a sale, or a purchase request when pending)",
        request=SalesOrderCreateSerializer,
        responses={201: SalesOrderSerializer, 400: OpenApiResponse(), 403: _FORBIDDEN, 409: _INSUFFICIENT},
        examples=[
            OpenApiExample(
                "A sale",
                value={
                    "warehouse": 1,
                    "customer_name": "Jane Doe",
                    "customer_email": "jane@example.com",
                    "status": "fulfilled",
                    "items": [{"variant": 3, "quantity": 2}, {"variant": 5, "quantity": 1, "unit_price": "19.90"}],
                },
                request_only=True,
            ),
            OpenApiExample(
                "A purchase request",
                value={"warehouse": 1, "status": "pending", "items": [{"variant": 3, "quantity": 10}]},
                request_only=True,
            ),
        ],
    ),
    partial_update=extend_schema(
        summary="Edit a pending order's details, or move its status",
        description='`{"status": "fulfilled"}` fulfils, `"rejected"` rejects (with `reason`), `"cancelled"` cancels, '
        '`"returned"` takes everything back. Any other status, or the current one, is 409 `invalid_transition`.',
        request=SalesOrderUpdateSerializer,
        responses={200: SalesOrderSerializer, 400: OpenApiResponse(), 403: _FORBIDDEN, 409: _INVALID},
    ),
)
class SalesOrderViewSet(
    IdempotentMixin,
    OrganizationScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = SalesOrder.objects.all()
    serializer_class = SalesOrderSerializer
    filterset_class = SalesOrderFilter
    search_fields = ["number", "customer_name", "customer_email"]
    ordering_fields = ["created_at", "number", "total_amount", "status", "fulfilled_at"]
    ordering = ["-created_at", "-id"]
    # Orders are never replaced or deleted: they are cancelled, rejected or returned.
    http_method_names = ["get", "post", "patch", "head", "options"]
    # Row rules ("own warehouse", "its creator") are checked by the services, which know the order.
    action_roles = {
        "create": ALL_ROLES,
        "partial_update": ALL_ROLES,
        "cancel": ALL_ROLES,
        "fulfil": ADMIN_MANAGER_STAFF,
        "reject": ADMIN_MANAGER_STAFF,
        "return_items": ADMIN_MANAGER_STAFF,
        "reserve": ADMIN_MANAGER_STAFF,
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list":
            return queryset.with_details(items_limit=LIST_ITEMS)
        if self.action == "retrieve":
            return queryset.with_details()
        return queryset  # writes lock and re-read the row themselves

    def get_serializer_class(self):
        if self.action == "create":
            return SalesOrderCreateSerializer
        if self.action == "partial_update":
            return SalesOrderUpdateSerializer
        return SalesOrderSerializer

    def _respond(self, order, status_code=status.HTTP_200_OK):
        order = sales_order_get(organization_id=self.request.user.organization_id, pk=order.pk)
        return Response(SalesOrderSerializer(order, context=self.get_serializer_context()).data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = SalesOrderCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        order = services.sales_order_create(
            by=request.user,
            warehouse=data["warehouse"],
            lines=[services.OrderLine(**item) for item in data["items"]],
            status=data.get("status"),
            customer_name=data["customer_name"],
            customer_email=data.get("customer_email", ""),
            notes=data["notes"],
        )
        body = SalesOrderSerializer(order, context=self.get_serializer_context()).data  # shaped by the service
        return Response(body, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        serializer = SalesOrderUpdateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        order = services.sales_order_update(order=self.get_object(), by=request.user, data=serializer.validated_data)
        return self._respond(order)

    @extend_schema(
        summary="Fulfil a pending order (takes the stock of every line, or nothing)",
        description="Takes the stock of every line (OUT movements, reason `sale`). Any short line is 409 "
        "`insufficient_stock` naming every short line, and nothing is taken.",
        request=None,
        responses={200: SalesOrderSerializer, 403: _FORBIDDEN, 409: _INSUFFICIENT},
    )
    # The route keeps the contract's spelling; the code spells the verb one way.
    @action(detail=True, methods=["post"], url_path="fulfill", url_name="fulfill")
    def fulfil(self, request, pk=None):
        return self._respond(services.sales_order_fulfil(order=self.get_object(), by=request.user))

    @extend_schema(
        summary="Reject a pending order",
        description="Declines a purchase request, with an optional `reason`; nothing moves.",
        request=SalesOrderRejectSerializer,
        responses={200: SalesOrderSerializer, 403: _FORBIDDEN, 409: _INVALID},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        serializer = SalesOrderRejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = services.sales_order_reject(
            order=self.get_object(), by=request.user, reason=serializer.validated_data["reason"]
        )
        return self._respond(order)

    @extend_schema(
        summary="Cancel a pending order (its requester, or staff and up of its warehouse)",
        description="Withdraws a pending order; nothing moves. 409 `invalid_transition` once it was decided.",
        request=None,
        responses={200: SalesOrderSerializer, 403: _FORBIDDEN, 409: _INVALID},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._respond(services.sales_order_cancel(order=self.get_object(), by=request.user))

    @extend_schema(
        summary="Top up a pending order's reservation now from the available units",
        description="Each short line takes what its level has available (not promised to other orders). "
        "`reservation_status` and each line's `quantity_reserved` show the result. Staff and up, own warehouse.",
        request=None,
        responses={
            200: SalesOrderSerializer,
            401: _UNAUTHENTICATED,
            403: _FORBIDDEN,
            404: _NOT_FOUND,
            409: OpenApiResponse(description="`invalid_transition`: the order is not pending; nothing changed."),
        },
        examples=[OpenApiExample("No body", value=None, request_only=True)],
    )
    @action(detail=True, methods=["post"])
    def reserve(self, request, pk=None):
        return self._respond(services.sales_order_reserve(order=self.get_object(), by=request.user))

    @extend_schema(
        summary="Return sold units to stock (some lines, or everything still out)",
        description="Books the units back into the order's warehouse (IN movements, reason `return`). Without "
        "`items`, everything still out comes back. Returning more than is left on a line is 400.",
        request=SalesOrderReturnSerializer,
        responses={200: SalesOrderSerializer, 400: OpenApiResponse(), 403: _FORBIDDEN, 409: _INVALID},
        examples=[
            OpenApiExample("A partial return", value={"items": [{"item": 7, "quantity": 1}]}, request_only=True)
        ],
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_items(self, request, pk=None):
        serializer = SalesOrderReturnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lines = serializer.validated_data.get("items")
        if lines is not None:
            lines = [services.ReturnLine(item_id=line["item"], quantity=line["quantity"]) for line in lines]
        order = services.sales_order_return_items(order=self.get_object(), by=request.user, lines=lines)
        return self._respond(order)
