from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.idempotency import IdempotentMixin
from core.pagination import LIST_ITEMS
from core.roles import ADMIN_MANAGER, ADMIN_MANAGER_STAFF
from core.tenancy import OrganizationScopedMixin
from purchases.filters import PurchaseOrderFilter
from purchases.models import PurchaseOrder
from purchases.selectors import purchase_order_get
from purchases.serializers import (
    PurchaseOrderCreateSerializer,
    PurchaseOrderReceiveSerializer,
    PurchaseOrderSerializer,
    PurchaseOrderUpdateSerializer,
    item_inputs,
)
from purchases.services import (
    purchase_order_cancel,
    purchase_order_create,
    purchase_order_receive,
    purchase_order_submit,
    purchase_order_update,
)

_INVALID = OpenApiResponse(description="`validation_error`; `errors` names each field, e.g. `items.0.quantity`.")
_FORBIDDEN = OpenApiResponse(description="`permission_denied`: your role or your warehouses do not allow this.")
_TRANSITION = OpenApiResponse(description="`invalid_transition`: not a legal move from the order's current status.")
ERRORS = {400: _INVALID, 403: _FORBIDDEN, 409: _TRANSITION}

CREATE_EXAMPLE = OpenApiExample(
    "A draft order of two lines",
    value={
        "supplier": 1,
        "warehouse": 1,
        "status": "draft",
        "notes": "Spring restock",
        "items": [
            {"variant": 10, "quantity_ordered": 50, "unit_cost": "2.40"},
            {"variant": 11, "quantity_ordered": 20, "unit_cost": "7.95"},
        ],
    },
    request_only=True,
)
RECEIVE_EXAMPLE = OpenApiExample(
    "Part of one line", value={"items": [{"item": 31, "quantity": 12}]}, request_only=True
)


@extend_schema_view(
    list=extend_schema(summary="List purchase orders"),
    retrieve=extend_schema(summary="Retrieve a purchase order"),
)
class PurchaseOrderViewSet(
    IdempotentMixin,
    OrganizationScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Purchase orders. Writes go through `purchases.services`, which lock the order and check the caller's
    warehouse; the role rules of the matrix are in `action_roles` (and per target status in the services).
    """

    queryset = PurchaseOrder.objects.all()
    serializer_class = PurchaseOrderSerializer
    filterset_class = PurchaseOrderFilter
    search_fields = ["number", "supplier__name", "notes"]
    ordering_fields = ["created_at", "number", "status", "total_amount", "submitted_at", "received_at"]
    ordering = ["-created_at", "-id"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_roles = {
        "create": ADMIN_MANAGER_STAFF,
        "partial_update": ADMIN_MANAGER_STAFF,
        "submit": ADMIN_MANAGER,
        "receive": ADMIN_MANAGER_STAFF,
        "cancel": ADMIN_MANAGER,
    }
    default_roles = ADMIN_MANAGER

    def get_queryset(self):
        queryset = super().get_queryset()
        # Writes lock and re-read the order in their service: they need the bare row, not the display shape.
        if self.action == "list":
            return queryset.for_display(items_limit=LIST_ITEMS)
        return queryset.for_display() if self.action == "retrieve" else queryset

    def _respond(self, order: PurchaseOrder, status_code: int = status.HTTP_200_OK) -> Response:
        order = purchase_order_get(organization_id=order.organization_id, pk=order.pk)
        return Response(PurchaseOrderSerializer(order, context=self.get_serializer_context()).data, status=status_code)

    @extend_schema(
        summary="Create a purchase order",
        request=PurchaseOrderCreateSerializer,
        responses={201: PurchaseOrderSerializer, 400: _INVALID, 403: _FORBIDDEN},
        examples=[CREATE_EXAMPLE],
    )
    def create(self, request, *args, **kwargs):
        serializer = PurchaseOrderCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        order = purchase_order_create(
            organization_id=request.user.organization_id,
            by=request.user,
            supplier=data["supplier"],
            warehouse=data["warehouse"],
            items=item_inputs(data["items"]),
            notes=data["notes"],
            status=data["status"],
        )
        return self._respond(order, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit a draft, or move its status",
        request=PurchaseOrderUpdateSerializer,
        responses={200: PurchaseOrderSerializer, **ERRORS},
    )
    def partial_update(self, request, *args, **kwargs):
        order = self.get_object()
        serializer = PurchaseOrderUpdateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        if "items" in changes:
            changes["items"] = item_inputs(changes["items"])
        order = purchase_order_update(order=order, by=request.user, data=changes)
        return self._respond(order)

    @extend_schema(
        summary="Submit a draft order",
        description="Sends a draft to its supplier: its lines can no longer change. 409 `invalid_transition` "
        "unless the order is a draft.",
        request=None,
        responses={200: PurchaseOrderSerializer, 403: _FORBIDDEN, 409: _TRANSITION},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        order = purchase_order_submit(order=self.get_object(), by=request.user)
        return self._respond(order)

    @extend_schema(
        summary="Receive all or part of an order",
        description="Books the units received into the order's warehouse (IN movements, reason `purchase`, at each "
        "line's unit cost) and updates each variant's average cost. Without `items`, everything still open "
        "comes in. Receiving more than is open on a line is 400.",
        request=PurchaseOrderReceiveSerializer,
        responses={200: PurchaseOrderSerializer, **ERRORS},
        examples=[RECEIVE_EXAMPLE],
    )
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        order = self.get_object()
        serializer = PurchaseOrderReceiveSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        order = purchase_order_receive(order=order, by=request.user, lines=serializer.receipt_lines())
        return self._respond(order)

    @extend_schema(
        summary="Cancel a draft or submitted order",
        description="Nothing was received yet, so no stock moves. 409 `invalid_transition` once anything came in.",
        request=None,
        responses={200: PurchaseOrderSerializer, 403: _FORBIDDEN, 409: _TRANSITION},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        order = purchase_order_cancel(order=self.get_object(), by=request.user)
        return self._respond(order)
