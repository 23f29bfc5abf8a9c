"""Catalog routes: categories, products (with their variants, CSV import and export) and variants.

Managers and admins write, only admins delete, every member reads. Ids in routes are numeric so that routes of
other apps under `products/` (such as `products/alerts/`) are not taken for a product id.
"""

import csv
import inspect
from datetime import date

from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils import timezone
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from catalog import imports, selectors, services
from catalog.filters import ProductFilter, ProductVariantsFilter, VariantFilter
from catalog.models import Category, Product, Variant
from catalog.representations import product_rows_data
from catalog.serializers import (
    CategorySerializer,
    ProductCreateSerializer,
    ProductImportResultSerializer,
    ProductImportSerializer,
    ProductSerializer,
    VariantSerializer,
)
from core.csv_cells import csv_cells
from core.db import replica_iter
from core.kept_pages import page_rows
from core.parsers import MultiPartParser
from core.permissions import is_org_member
from core.roles import ADMIN_MANAGER, ADMIN_ONLY
from core.tenancy import OrganizationScopedMixin

NUMERIC_ID = r"\d+"


def _warehouse_ids(request) -> list[int] | None:
    """`?warehouse=<id>` as the selectors take it. An invalid value is left to the FilterSet, which answers 400."""
    raw = request.query_params.get("warehouse", "").strip()
    if raw.isdigit() and len(raw) < 19:
        return [int(raw)]
    return None


class _CatalogViewSet(OrganizationScopedMixin, viewsets.ModelViewSet):
    """Managers and admins write, only admins delete, every member reads."""

    lookup_value_converter = "int"
    lookup_value_regex = NUMERIC_ID
    default_roles = ADMIN_MANAGER
    action_roles = {"destroy": ADMIN_ONLY}

    @property
    def organization(self):
        return self.request.user.organization

    @property
    def organization_id(self) -> int:
        """What reads filter by: the caller's token already tells it, reading the organization row is a query."""
        return self.request.user.organization_id


@extend_schema_view(
    list=extend_schema(summary="List categories with their product count"),
    destroy=extend_schema(summary="Delete a category (409 `protected` while products belong to it)"),
)
class CategoryViewSet(_CatalogViewSet):
    """Categories: name unique in the organization; a category with products cannot be deleted."""

    queryset = Category.objects.all()
    serializer_class = CategorySerializer
    search_fields = ["name", "description"]
    ordering_fields = ["name", "created_at", "product_count"]

    def get_queryset(self):
        if not is_org_member(self.request.user):
            return Category.objects.none()
        return selectors.category_list(organization=self.organization_id)

    def list(self, request, *args, **kwargs):
        # Read as rows (the serializer reads a dict's keys as it reads attributes); without a search, the page's
        # statements are kept compiled (core.kept_pages).
        rows = page_rows(
            self, key=("categories", request.user.organization_id), model=Category, rows=selectors.category_rows
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        category = services.category_create(organization=self.organization, **serializer.validated_data)
        category = selectors.category_get(organization=self.organization_id, pk=category.pk)
        return Response(self.get_serializer(category).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        category = services.category_update(category=serializer.instance, data=serializer.validated_data)
        return Response(self.get_serializer(category).data)

    def perform_destroy(self, instance):
        services.category_delete(category=instance)


class CSVRenderer(BaseRenderer):
    """Lets `Accept: text/csv` reach the export (which streams its own body); errors are still JSON text."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer().render(data)


class _Echo:
    """A file-like object whose write() returns the line, so csv.writer can feed a streaming response."""

    def write(self, value):
        return value


def _csv_stream(rows, columns):
    writer = csv.writer(_Echo())
    yield writer.writerow(columns)
    for row in rows:
        yield writer.writerow(csv_cells(row[column] for column in columns))


PRODUCT_WAREHOUSE_PARAMETER = OpenApiParameter(
    "warehouse", OpenApiTypes.INT, description="Count stock in this warehouse only."
)


@extend_schema_view(
    list=extend_schema(summary="List products with their variants and stock figures"),
    retrieve=extend_schema(summary="Get a product", parameters=[PRODUCT_WAREHOUSE_PARAMETER]),
    create=extend_schema(
        summary="Create a product",
        description="Either `variants: [...]`, or the shorthand `sku?, barcode?, attributes?, price, cost?, "
        "reorder_level?` that makes one default variant. A missing SKU is generated.",
        request=ProductCreateSerializer,
        responses={201: ProductSerializer},
    ),
    update=extend_schema(
        summary="Replace a product's own fields",
        description="Variants are managed at `/api/products/{id}/variants/` and `/api/variants/{id}/`.",
    ),
    partial_update=extend_schema(
        summary="Change a product's own fields",
        description="Variants are managed at `/api/products/{id}/variants/` and `/api/variants/{id}/`. "
        'Archive a product with `{"is_active": false}`.',
    ),
    destroy=extend_schema(
        summary="Delete a product",
        description="204 without stock history; 409 `protected` when stock levels or movements refer to a variant "
        '(archive it with `{"is_active": false}` instead).',
    ),
)
class ProductViewSet(_CatalogViewSet):
    """Products with their variants and stock figures (`?warehouse=` counts one warehouse only)."""

    queryset = Product.objects.all()
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    search_fields = ["name", "description", "variants__sku", "variants__barcode"]
    ordering_fields = ["name", "created_at", "updated_at", "total_quantity", "price", "id"]

    def get_queryset(self):
        if not is_org_member(self.request.user):
            return Product.objects.none()
        # The organization's id, not `self.organization`: reading the organization row is a query no read needs.
        scope = {"organization": self.request.user.organization_id, "warehouse_ids": _warehouse_ids(self.request)}
        if self.action == "list":
            return selectors.product_table(**scope)
        return selectors.product_list(**scope)

    def get_serializer_class(self):
        if self.action == "create":
            return ProductCreateSerializer
        return super().get_serializer_class()

    def list(self, request, *args, **kwargs):
        # The page is read as rows and shaped as `ProductSerializer` writes a product: building model instances
        # was most of the list's CPU (bench/README.md). No docstring: it would become the route's description.
        # Unless a search (or a filter its FilterSet does not keep) is named, the page's statements are kept
        # compiled (core.kept_pages); `is_expired` compares with the day.
        rows = page_rows(
            self,
            key=("products", request.user.organization_id, timezone.localdate()),
            model=Product,
            rows=selectors.product_rows,
        )
        page = self.paginate_queryset(rows)
        variants = selectors.product_variant_rows([row["id"] for row in page], warehouse_ids=_warehouse_ids(request))
        return self.get_paginated_response(product_rows_data(page, variants))

    def _fetch(self, product) -> Product:
        return selectors.product_get(
            organization=self.organization_id, pk=product.pk, warehouse_ids=_warehouse_ids(self.request)
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        variants = data.pop("variants")
        product = services.product_create(
            organization=self.organization,
            by=request.user,
            data=data,
            variants=variants,
            errors_under=serializer.variants_key,
        )
        body = ProductSerializer(self._fetch(product), context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        product = services.product_update(product=serializer.instance, data=serializer.validated_data)
        return Response(self.get_serializer(self._fetch(product)).data)

    def perform_destroy(self, instance):
        services.product_delete(product=instance)

    @extend_schema(
        methods=["GET"],
        summary="List a product's variants",
        description="A page of the product's variants with their stock (`?warehouse=` for one warehouse).",
        responses=VariantSerializer(many=True),
        parameters=[PRODUCT_WAREHOUSE_PARAMETER],
    )
    @extend_schema(
        methods=["POST"],
        summary="Add a variant to a product",
        description="A missing SKU is generated.",
        request=VariantSerializer,
        responses={201: VariantSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        serializer_class=VariantSerializer,
        filter_backends=[],
        url_path="variants",
        url_name="variants",
    )
    def variants(self, request, pk=None, **kwargs):
        product = get_object_or_404(Product.objects.filter(organization=self.organization_id), pk=pk)
        if request.method == "POST":
            serializer = self.get_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            variant = services.variant_add(product=product, data=serializer.validated_data)
            variant = selectors.variant_get(organization=self.organization_id, pk=variant.pk)
            return Response(self.get_serializer(variant).data, status=status.HTTP_201_CREATED)
        queryset = selectors.variant_list(
            organization=self.organization_id, warehouse_ids=_warehouse_ids(request)
        ).filter(product=product)
        warehouse = ProductVariantsFilter(request.query_params, queryset=queryset, request=request)
        if not warehouse.is_valid():
            raise translate_validation(warehouse.errors)
        page = self.paginate_queryset(queryset.order_by("id"))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Import products from CSV",
        description=inspect.cleandoc(imports.product_import_csv.__doc__),
        request={"multipart/form-data": ProductImportSerializer},
        examples=[
            OpenApiExample(
                "CSV file",
                value={"file": "products.csv"},
                request_only=True,
                media_type="multipart/form-data",
            )
        ],
        responses={
            200: ProductImportResultSerializer,
            413: OpenApiResponse(description="`request_too_large`: the file is over `CSV_IMPORT_MAX_BYTES`."),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser, FormParser],
        serializer_class=ProductImportSerializer,
        filter_backends=[],
        pagination_class=None,
    )
    def import_csv(self, request, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = imports.product_import_csv(
            organization=self.organization,
            file=serializer.validated_data["file"],
            by=request.user,
            max_rows=settings.CSV_IMPORT_MAX_ROWS,
        )
        return Response(ProductImportResultSerializer(result).data)

    @extend_schema(
        summary="Export every product variant as CSV",
        description="One row per variant; the first eight columns are the import's columns.",
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="A CSV file.")},
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="export",
        url_name="export",
        renderer_classes=[JSONRenderer, CSVRenderer],
        filter_backends=[],
        pagination_class=None,
    )
    def export(self, request, **kwargs):
        rows = selectors.product_export_rows(organization=self.organization_id)
        response = StreamingHttpResponse(
            replica_iter(_csv_stream(rows, selectors.EXPORT_COLUMNS)), content_type="text/csv; charset=utf-8"
        )
        filename = f"products-{date.today().isoformat()}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


@extend_schema_view(
    list=extend_schema(summary="List variants", parameters=[PRODUCT_WAREHOUSE_PARAMETER]),
    destroy=extend_schema(
        summary="Delete a variant",
        description="409 `protected` with stock history; 409 `conflict` for a product's only variant.",
    ),
)
class VariantViewSet(
    OrganizationScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Variants: SKU and barcode unique in the organization. Created with their product or at
    `/api/products/{id}/variants/`.
    """

    queryset = Variant.objects.all()
    serializer_class = VariantSerializer
    filterset_class = VariantFilter
    search_fields = ["sku", "barcode", "product__name"]
    # Not `quantity`: a sum over the levels, which no index can order (bench/README.md, "Index check").
    ordering_fields = ["sku", "price", "created_at", "id"]
    lookup_value_converter = "int"
    lookup_value_regex = NUMERIC_ID
    default_roles = ADMIN_MANAGER
    action_roles = {"destroy": ADMIN_ONLY}

    def get_queryset(self):
        if not is_org_member(self.request.user):
            return Variant.objects.none()
        return selectors.variant_list(
            organization=self.request.user.organization, warehouse_ids=_warehouse_ids(self.request)
        )

    def update(self, request, *args, partial=False, **kwargs):
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        variant = services.variant_update(variant=serializer.instance, data=serializer.validated_data)
        variant = selectors.variant_get(organization=self.request.user.organization, pk=variant.pk)
        return Response(self.get_serializer(variant).data)

    def perform_destroy(self, instance):
        services.variant_delete(variant=instance)
