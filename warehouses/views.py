from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets

from core.roles import ADMIN_MANAGER, ADMIN_ONLY
from core.tenancy import OrganizationScopedMixin
from warehouses import selectors, services
from warehouses.filters import WarehouseFilter
from warehouses.models import Warehouse
from warehouses.serializers import WarehouseSerializer


@extend_schema_view(
    list=extend_schema(summary="List warehouses"),
    retrieve=extend_schema(summary="A warehouse"),
    create=extend_schema(
        summary="Create a warehouse",
        description="Admins only. `code` is unique in the organization.",
        examples=[
            OpenApiExample(
                "Warehouse",
                request_only=True,
                value={"name": "Main Warehouse", "code": "MAIN", "address": "1 Harbour Road"},
            )
        ],
    ),
    update=extend_schema(summary="Replace a warehouse", description="Admins, or a manager of this warehouse."),
    partial_update=extend_schema(summary="Update a warehouse", description="Admins, or a manager of this warehouse."),
    destroy=extend_schema(
        summary="Delete a warehouse",
        description="Admins only. A warehouse with stock history cannot be deleted (409 `protected`).",
        responses={204: None, 409: OpenApiResponse(description="`protected`: the warehouse has stock history.")},
    ),
)
class WarehouseViewSet(OrganizationScopedMixin, viewsets.ModelViewSet):
    queryset = Warehouse.objects.all()
    serializer_class = WarehouseSerializer
    filterset_class = WarehouseFilter
    search_fields = ["name", "code", "address"]
    ordering_fields = ["name", "code", "created_at", "staff_count"]
    action_roles = {
        "create": ADMIN_ONLY,
        "destroy": ADMIN_ONLY,
        "update": ADMIN_MANAGER,
        "partial_update": ADMIN_MANAGER,
    }
    default_roles = ADMIN_ONLY

    def get_queryset(self):
        return selectors.warehouse_shaped(super().get_queryset())

    def perform_create(self, serializer):
        warehouse = services.warehouse_create(
            organization=self.request.user.organization, by=self.request.user, **serializer.validated_data
        )
        serializer.instance = self._reloaded(warehouse)

    def perform_update(self, serializer):
        warehouse = services.warehouse_update(
            warehouse=serializer.instance, by=self.request.user, **serializer.validated_data
        )
        serializer.instance = self._reloaded(warehouse)

    def perform_destroy(self, instance):
        services.warehouse_delete(warehouse=instance, by=self.request.user)

    def _reloaded(self, warehouse):
        return selectors.warehouse_shaped(Warehouse.objects.filter(pk=warehouse.pk)).get()
