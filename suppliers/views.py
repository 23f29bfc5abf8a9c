from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.response import Response

from core.permissions import is_org_member
from core.roles import ADMIN_MANAGER, ADMIN_ONLY
from core.tenancy import OrganizationScopedMixin
from suppliers import services
from suppliers.models import Supplier
from suppliers.serializers import SupplierSerializer


@extend_schema_view(
    destroy=extend_schema(
        summary="Delete a supplier",
        description="Products keep existing without a default supplier; purchase orders protect it (409 `protected`).",
    ),
)
class SupplierViewSet(OrganizationScopedMixin, viewsets.ModelViewSet):
    """Managers and admins write, only admins delete, every member reads."""

    queryset = Supplier.objects.all()
    serializer_class = SupplierSerializer
    lookup_value_converter = "int"
    lookup_value_regex = r"\d+"
    default_roles = ADMIN_MANAGER
    action_roles = {"destroy": ADMIN_ONLY}
    search_fields = ["name", "contact_name", "email", "phone", "notes"]
    ordering_fields = ["name", "created_at", "id"]

    def get_queryset(self):
        if not is_org_member(self.request.user):
            return Supplier.objects.none()
        return super().get_queryset()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        supplier = services.supplier_create(organization=request.user.organization, data=serializer.validated_data)
        return Response(self.get_serializer(supplier).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        supplier = services.supplier_update(supplier=serializer.instance, data=serializer.validated_data)
        return Response(self.get_serializer(supplier).data)

    def perform_destroy(self, instance):
        services.supplier_delete(supplier=instance)
