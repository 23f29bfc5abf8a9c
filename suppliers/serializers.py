from rest_framework import serializers

from core.schema import request_examples
from core.serializers import StrictModelSerializer
from suppliers.models import Supplier


@request_examples(
    Supplier={
        "name": "Northwind Traders",
        "contact_name": "Anna Berg",
        "email": "orders@northwind.example",
        "phone": "+44 20 7946 0000",
        "address": "12 Dock Street, London",
        "notes": "Delivers on Tuesdays",
    }
)
class SupplierSerializer(StrictModelSerializer):
    class Meta:
        model = Supplier
        fields = ["id", "name", "contact_name", "email", "phone", "address", "notes", "created_at"]
        read_only_fields = ["id", "created_at"]
        # Unique per organization, checked in validate_name and keyed by field.
        validators = []

    def validate_name(self, value):
        value = value.strip()
        if not value:
            raise serializers.ValidationError("This field may not be blank.")
        request = self.context.get("request")
        others = Supplier.objects.filter(
            organization_id=getattr(request.user, "organization_id", None), name__iexact=value
        )
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError("A supplier with this name already exists.")
        return value
