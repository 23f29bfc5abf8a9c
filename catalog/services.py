"""Writes of the catalog: categories, products and variants (the CSV import is in `catalog.imports`).

Bodies are validated by the serializers first (including uniqueness within the organization); the database
constraints stay the last line of defence, and a concurrent request that slips past the check still gets a 400
keyed by the field it collided on, never a 500.
"""

import secrets
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Min, OuterRef, ProtectedError, Subquery
from django.utils.text import slugify

from catalog.models import Category, Product, Variant
from catalog.stock_figures import stock_figures
from core.exceptions import Conflict, InvalidInput, Protected, protected_detail
from core.iterables import chunks

SKU_ATTEMPTS = 8
_BATCH = 500
VARIANT_FIELDS = ("sku", "barcode", "attributes", "price", "cost", "reorder_level")
PRODUCT_FIELDS = ("name", "description", "category", "supplier", "expiration_date", "is_active")


def generate_sku(name: str) -> str:
    """`ESPRESSO-BEANS-1-KG-3F9A1C`: a readable stem from the name and a random suffix."""
    stem = slugify(name).upper()[:40].strip("-") or "SKU"
    return f"{stem}-{secrets.token_hex(3).upper()}"


def _unique_errors(*, organization_id: int, sku: str | None, barcode: str | None, exclude_pk=None) -> dict:
    """After an IntegrityError: which of the variant's unique fields is now taken, keyed by field."""
    errors = {}
    others = Variant.objects.filter(organization_id=organization_id)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if sku and others.filter(sku=sku).exists():
        errors["sku"] = ["A variant with this SKU already exists."]
    if barcode and others.filter(barcode=barcode).exists():
        errors["barcode"] = ["A variant with this barcode already exists."]
    return errors


def _save_variant(variant: Variant, *, generated_sku: bool, error_prefix: str | None = None) -> None:
    """Insert or update one variant inside a savepoint, turning unique-constraint races into 400s.

    A generated SKU that collides is replaced and retried; a given one is the client's to change.
    """
    for _ in range(SKU_ATTEMPTS):
        try:
            with transaction.atomic():
                variant.save()
            return
        except IntegrityError:
            errors = _unique_errors(
                organization_id=variant.organization_id,
                sku=variant.sku,
                barcode=variant.barcode,
                exclude_pk=variant.pk,
            )
            if generated_sku and set(errors) == {"sku"}:
                variant.sku = generate_sku(variant.product.name)
                continue
            if not errors:
                raise
            raise InvalidInput({error_prefix: errors} if error_prefix else errors) from None
    raise InvalidInput({"sku": ["Could not generate a unique SKU; please give one."]})


# --- Categories ---------------------------------------------------------------------------------------------------


def _save_category(category: Category) -> Category:
    try:
        with transaction.atomic():
            category.save()
    except IntegrityError:
        if Category.objects.filter(organization_id=category.organization_id, name=category.name).exists():
            raise InvalidInput({"name": ["A category with this name already exists."]}) from None
        raise
    return category


def category_create(*, organization, name: str, description: str = "") -> Category:
    return _save_category(Category(organization=organization, name=name, description=description))


def category_update(*, category: Category, data: dict) -> Category:
    for field in ("name", "description"):
        if field in data:
            setattr(category, field, data[field])
    return _save_category(category)


def category_delete(*, category: Category) -> None:
    """Raises Protected (409) while products still belong to the category."""
    try:
        category.delete()
    except ProtectedError as exc:
        raise Protected(protected_detail(category, exc)) from None


# --- Products and variants ----------------------------------------------------------------------------------------


@transaction.atomic
def product_create(
    *, organization, by, data: dict, variants: Iterable[dict], errors_under: str | None = "variants"
) -> Product:
    """Create a product and its variants, all or nothing. A variant without a SKU gets a generated one.

    `errors_under` names the body key the variants came in (`None` for the single-variant shorthand), so that a
    uniqueness race is reported as `variants.1.sku` or `sku`.
    """
    product = Product.objects.create(
        organization=organization, created_by=by, **{field: data[field] for field in PRODUCT_FIELDS if field in data}
    )
    for index, spec in enumerate(variants):
        _add_variant(product=product, data=spec, error_prefix=f"{errors_under}.{index}" if errors_under else None)
    products_follow_prices([product.pk])
    return product


# What a variant's stock is worth in the dashboard's kept totals.
_STOCK_VALUES = ("cost", "price")


def _moves_stock_totals(product: Product, data: dict) -> bool:
    """Whether the change moves the product's stock to another category or expiration date."""
    if "category" in data and getattr(data["category"], "pk", None) != product.category_id:
        return True
    return "expiration_date" in data and data["expiration_date"] != product.expiration_date


@transaction.atomic
def product_update(*, product: Product, data: dict) -> Product:
    """Change the product's own fields; its variants are changed through the variant routes."""
    changed = [field for field in PRODUCT_FIELDS if field in data]
    if _moves_stock_totals(product, data):
        # Before the product's row is locked by its save, as the ledger takes levels before products.
        stock_figures().levels_revalued(product_ids=[product.pk])
    for field in changed:
        setattr(product, field, data[field])
    # Named fields only, never a full save: that would write back the `stock_quantity` read with the product and
    # erase what the ledger has added or taken since.
    product.save(update_fields=[*changed, "updated_at"])
    return product


@transaction.atomic
def product_delete(*, product: Product) -> None:
    """Delete a product and its variants. Raises Protected (409) when stock history refers to a variant."""
    try:
        product.delete()
    except ProtectedError as exc:
        detail = protected_detail(product, exc) + ' Archive it with "is_active": false instead.'
        raise Protected(detail) from None


@transaction.atomic
def variant_add(*, product: Product, data: dict, error_prefix: str | None = None) -> Variant:
    """Add a variant to a product; a missing SKU is generated (collision-safe)."""
    variant = _add_variant(product=product, data=data, error_prefix=error_prefix)
    products_follow_prices([product.pk])
    return variant


def _add_variant(*, product: Product, data: dict, error_prefix: str | None) -> Variant:
    sku = data.get("sku")
    variant = Variant(
        organization_id=product.organization_id,
        product=product,
        sku=sku or generate_sku(product.name),
        **{field: data[field] for field in VARIANT_FIELDS if field != "sku" and field in data},
    )
    _save_variant(variant, generated_sku=not sku, error_prefix=error_prefix)
    return variant


@transaction.atomic
def variant_update(*, variant: Variant, data: dict) -> Variant:
    reorder_level, price = variant.reorder_level, variant.price
    values = [getattr(variant, field) for field in _STOCK_VALUES]
    for field in VARIANT_FIELDS:
        if field in data:
            setattr(variant, field, data[field])
    _save_variant(variant, generated_sku=False)
    # The levels before the product (as the ledger takes them); a PUT names every field: only for a change.
    if [getattr(variant, field) for field in _STOCK_VALUES] != values:
        stock_figures().levels_revalued(variant_ids=[variant.pk])
    if variant.reorder_level != reorder_level:
        stock_figures().follow_reorder_levels([variant.pk])
    if variant.price != price:
        products_follow_prices([variant.product_id])
    return variant


@transaction.atomic
def variant_delete(*, variant: Variant) -> None:
    """Delete a variant without stock history. A product keeps at least one variant (409 otherwise)."""
    # The variant before its product, as a receipt takes them (variant, levels, then the product's stock total).
    list(Variant.objects.select_for_update().filter(pk=variant.pk).values_list("pk"))
    product = Product.objects.select_for_update().get(pk=variant.product_id)
    if not product.variants.exclude(pk=variant.pk).exists():
        raise Conflict(
            f'"{variant.sku}" is the only variant of "{product.name}": a product keeps at least one variant. '
            "Delete or archive the product instead."
        )
    try:
        variant.delete()
    except ProtectedError as exc:
        raise Protected(protected_detail(variant, exc)) from None
    products_follow_prices([product.pk])


def products_follow_prices(product_ids: Iterable[int]) -> None:
    """Write each product's `min_price` (its variants' lowest price, None without variants) after a write of a
    variant's price, a new variant or a deleted one: call it in that write's transaction, after the variant rows.

    The products are locked first (in pk order, after the variants, as a receipt locks them) and their prices
    computed by the next statement: under READ COMMITTED that statement sees the variants of every writer that held
    a product's lock before, where a single UPDATE would compute from its own snapshot and could miss a sibling
    variant's new price committed while it waited.
    """
    lowest = (
        Variant.objects.filter(product_id=OuterRef("pk")).order_by().values("product_id").annotate(low=Min("price"))
    )
    for chunk in chunks(sorted(set(product_ids)), _BATCH):
        list(Product.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values_list("pk"))
        Product.objects.filter(pk__in=chunk).update(min_price=Subquery(lowest.values("low")))
