"""A variant and a warehouse named together in a request body, read in one statement through their stock level.

A stock adjustment names both. Their level, where one exists, vouches that both are the caller's organization's
(the ledger makes a level only for a variant and a warehouse of the level's organization, and the statement checks
all three anyway). One kept statement (`core.kept.kept_get_by`) reads the level with its variant, the variant's
product and the warehouse, and hands the two objects to the serializer's id fields, which then read nothing
themselves. Without a level (a pair's first stock), or with ids that are not plain integers, the fields read as
usual, so every error is the one they always give.
"""

from collections.abc import Mapping

from core.kept import kept_get_by
from core.permissions import is_org_member
from core.tenancy import id_value
from stock.models import StockLevel

# What the adjustment and its response read of them (a test counts the statements, so a column read later that is
# not here shows as a statement more).
_READ = (
    *("id", "variant", "warehouse"),
    *("variant__organization", "variant__product", "variant__sku", "variant__cost"),
    *("variant__product__organization", "variant__product__name"),
    *("warehouse__organization", "warehouse__name"),
)
# Built once, never evaluated (as a view's class-level queryset): `kept_get_by` reads only its shape.
_LEVELS = StockLevel.objects.select_related("variant__product", "warehouse").only(*_READ)


class VariantAndWarehouseThroughLevel:
    """For a serializer with `variant` and `warehouse` fields of `core.tenancy.OrganizationPrimaryKeyRelatedField`
    (the variant's queryset selecting its product).
    """

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            self._read_through_level(data)
        return super().to_internal_value(data)

    def _read_through_level(self, data: Mapping) -> None:
        variant_id, warehouse_id = id_value(data.get("variant")), id_value(data.get("warehouse"))
        user = getattr(self.context.get("request"), "user", None)
        if variant_id is None or warehouse_id is None or not is_org_member(user):
            return
        organization_id = user.organization_id
        level = kept_get_by(
            _LEVELS,
            organization_field="organization",
            organization_id=organization_id,
            conditions={"variant__organization": organization_id, "warehouse__organization": organization_id},
            variant_id=variant_id,
            warehouse_id=warehouse_id,
        )
        if level is None or level is NotImplemented:
            return
        self.fields["variant"].prefetched = {variant_id: level.variant}
        self.fields["warehouse"].prefetched = {warehouse_id: level.warehouse}
