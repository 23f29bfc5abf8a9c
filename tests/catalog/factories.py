"""Catalog factories. Each takes `organization=`; `VariantFactory(product=...)` takes its product's organization."""

from decimal import Decimal

import factory
from django.db import transaction

from catalog.models import Category, Product, Variant
from catalog.services import products_follow_prices
from tests.users.factories import OrganizationFactory


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Category {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    """A product without variants; `ProductFactory(variants=2)` adds two (each with `VariantFactory` defaults)."""

    class Meta:
        model = Product
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    category = factory.SubFactory(CategoryFactory, organization=factory.SelfAttribute("..organization"))

    @factory.post_generation
    def variants(self, create, extracted, **kwargs):
        if create and extracted:
            for _ in range(extracted):
                VariantFactory(product=self, **kwargs)


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant

    organization = factory.SubFactory(OrganizationFactory)
    product = factory.SubFactory(ProductFactory, organization=factory.SelfAttribute("..organization"))
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    price = Decimal("10.00")
    cost = Decimal("6.00")
    reorder_level = 0

    @classmethod
    def _generate(cls, strategy, params):
        product = params.get("product")
        if product is not None and "organization" not in params:
            params = {**params, "organization": product.organization}
        return super()._generate(strategy, params)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        variant = super()._create(model_class, *args, **kwargs)
        with transaction.atomic():  # it locks the product: outside a test's transaction (transaction=True) too
            products_follow_prices([variant.product_id])  # the product's lowest price, as every catalog write keeps it
        return variant
