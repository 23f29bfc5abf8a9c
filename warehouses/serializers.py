from rest_framework import serializers

from core.schema import request_examples
from core.serializers import StrictModelSerializer
from core.tenancy import UserRefSerializer
from warehouses.models import Warehouse


@request_examples(Warehouse={"name": "Main Warehouse", "code": "MAIN", "address": "1 Harbour Road", "is_active": True})
class WarehouseSerializer(StrictModelSerializer):
    managers = UserRefSerializer(
        source="manager_list", many=True, read_only=True, help_text="Active managers assigned to this warehouse."
    )
    staff_count = serializers.IntegerField(read_only=True, help_text="Active staff assigned to this warehouse.")

    class Meta:
        model = Warehouse
        fields = ["id", "name", "code", "address", "is_active", "managers", "staff_count", "created_at"]
        read_only_fields = ["id", "created_at"]
