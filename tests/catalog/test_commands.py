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
