import csv
import io

import pytest
from django.core.management import CommandError, call_command

from catalog.models import Variant
from tests.catalog.factories import VariantFactory

pytestmark = pytest.mark.django_db


def _write(path, rows):
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["name", "category", "sku", "barcode", "price", "cost", "reorder_level", "supplier"])
        writer.writerows(rows)


def test_the_import_command_imports_a_file(tmp_path, org, manager):
    path = tmp_path / "products.csv"
    _write(path, [[f"Product {i}", "Snacks", f"P-{i}", "", "1.00", "", "", ""] for i in range(25)])
    out = io.StringIO()

    call_command("import_products", str(path), organization=str(org.pk), user="manager", stdout=out, no_progress=True)

    assert "25 variants created" in out.getvalue()
    assert Variant.objects.filter(organization=org).count() == 25
    assert Variant.objects.get(sku="P-0").product.created_by == manager


def test_the_import_command_reports_bad_rows_and_imports_nothing(tmp_path, org):
    path = tmp_path / "products.csv"
    _write(path, [["Ok", "", "OK", "", "1.00", "", "", ""], ["Bad", "", "BAD", "", "-1", "", "", ""]])
    err = io.StringIO()

    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_products", str(path), organization=org.name, stderr=err, no_progress=True)

    assert "rows.3.price" in err.getvalue()
    assert not Variant.objects.filter(organization=org).exists()


def test_the_import_command_refuses_an_unknown_organization_or_file(tmp_path, org):
    with pytest.raises(CommandError, match="No organization"):
        call_command("import_products", str(tmp_path / "x.csv"), organization="Nobody")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_products", str(tmp_path / "missing.csv"), organization=str(org.pk), no_progress=True)


def test_the_export_command_writes_every_variant(tmp_path, org, other_org):
    VariantFactory.create_batch(3, organization=org)
    VariantFactory(organization=other_org)
    path = tmp_path / "out.csv"

    call_command("export_products", organization=str(org.pk), output=str(path), no_progress=True, stderr=io.StringIO())

    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 3
    assert {row["sku"] for row in rows} == set(Variant.objects.filter(organization=org).values_list("sku", flat=True))


def _export(tmp_path, organization, name) -> list[dict]:
    path = tmp_path / name
    call_command(
        "export_products", organization=str(organization.pk), output=str(path), no_progress=True, stderr=io.StringIO()
    )
    with open(path, newline="") as file:
        return list(csv.DictReader(file))


def test_an_export_imports_into_another_organization_and_exports_the_same(tmp_path, org, other_org, warehouse):
    from datetime import date

    from tests.catalog.factories import CategoryFactory, ProductFactory
    from tests.stock.helpers import put_stock
    from tests.suppliers.factories import SupplierFactory

    shirt = ProductFactory(
        organization=org,
        name="Shirt",
        category=CategoryFactory(organization=org, name="Clothing"),
        supplier=SupplierFactory(organization=org, name="Weavers"),
        description='Organic cotton, "fair", with a comma',
    )
    VariantFactory(organization=org, product=shirt, sku="SH-M", attributes={"size": "M", "colour": "navy"})
    VariantFactory(organization=org, product=shirt, sku="SH-L", barcode="4006381333931", attributes={"size": "L"})
    milk = ProductFactory(organization=org, name="Milk", category=None, expiration_date=date(2031, 5, 1))
    put_stock(VariantFactory(organization=org, product=milk, sku="MILK-1", reorder_level=4), warehouse, 7)
    ProductFactory(organization=org, name="Old stock", is_active=False, variants=1)
    original = _export(tmp_path, org, "original.csv")

    call_command("import_products", str(tmp_path / "original.csv"), organization=str(other_org.pk), no_progress=True)
    copy = _export(tmp_path, other_org, "copy.csv")

    # Ids are the other organization's own, and stock is not part of a catalog import.
    def comparable(rows):
        return [{k: v for k, v in row.items() if k not in ("product_id", "variant_id", "quantity")} for row in rows]

    assert comparable(copy) == comparable(original)
    assert {row["attributes"] for row in copy} >= {'{"size": "M", "colour": "navy"}', '{"size": "L"}'}


def test_importing_an_export_again_changes_nothing(tmp_path, org):
    VariantFactory(organization=org, sku="SAME-1", attributes={"size": "S"}, product__description="Kept")
    before = _export(tmp_path, org, "before.csv")

    call_command("import_products", str(tmp_path / "before.csv"), organization=str(org.pk), no_progress=True)

    assert _export(tmp_path, org, "after.csv") == before


def test_an_unknown_organization_lists_the_ones_that_exist(org, other_org):
    known = rf"Known organizations, by id: {org.pk} \(Acme\), {other_org.pk} \(Globex\)"
    with pytest.raises(CommandError, match=known):
        call_command("export_products", organization="Initech", no_progress=True)


@pytest.mark.postgres
def test_export_to_a_reader_that_stops_early_exits_quietly(transactional_db, org):
    import os
    import subprocess
    import sys

    from django.conf import settings
    from django.db import connection

    from tests.catalog.factories import ProductFactory

    product = ProductFactory(organization=org)
    Variant.objects.bulk_create(
        Variant(organization=org, product=product, sku=f"PIPE-{i:05}", price="1.00") for i in range(3000)
    )  # more than a pipe's buffer, so that the writer is still writing when `head` has gone
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "STOCKROOM_ALLOW_DEV_KEY": "true",
    }
    command = f"{sys.executable} manage.py export_products --organization {org.pk} | head -1"

    completed = subprocess.run(
        command, shell=True, cwd=settings.BASE_DIR, env=environment, capture_output=True, text=True, timeout=120
    )

    assert completed.stdout.startswith("name,category,sku")
    assert completed.stderr == ""
