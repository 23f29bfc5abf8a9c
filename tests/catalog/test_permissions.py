"""The role matrix: managers and admins write catalog and suppliers, only admins delete, everyone reads."""

import pytest

from tests.catalog.factories import CategoryFactory, ProductFactory, VariantFactory
from tests.suppliers.factories import SupplierFactory

pytestmark = pytest.mark.django_db

ROLES = ["admin", "manager", "staff", "viewer"]
WRITERS = {"admin", "manager"}
DELETERS = {"admin"}


def _objects(org):
    product = ProductFactory(organization=org, variants=2)
    return {
        "categories": (CategoryFactory(organization=org), {"name": "New category"}),
        "products": (product, {"name": "New product", "price": "1.00"}),
        "variants": (product.variants.first(), None),
        "suppliers": (SupplierFactory(organization=org), {"name": "New supplier"}),
    }


def _patch_body(resource):
    return {"variants": {"price": "2.00"}}.get(resource, {"name": f"Renamed {resource}"})


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("resource", ["categories", "products", "variants", "suppliers"])
def test_the_role_matrix(request, client_for, org, role, resource):
    client = client_for(request.getfixturevalue(role))
    obj, create_body = _objects(org)[resource]
    url = f"/api/{resource}/"

    reads = [client.get(url).status_code, client.get(f"{url}{obj.pk}/").status_code]
    create = client.post(url, create_body).status_code if create_body else None
    update = client.patch(f"{url}{obj.pk}/", _patch_body(resource)).status_code
    delete = client.delete(f"{url}{obj.pk}/").status_code

    assert reads == [200, 200]
    if create is not None:
        assert create == (201 if role in WRITERS else 403)
    assert update == (200 if role in WRITERS else 403)
    assert delete == (204 if role in DELETERS else 403)


@pytest.mark.parametrize("role", ROLES)
def test_importing_needs_a_manager_exporting_does_not(request, client_for, org, role):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(request.getfixturevalue(role))
    VariantFactory(organization=org)
    upload = SimpleUploadedFile("p.csv", b"name,sku,price\nTea,TEA-1,1.00\n", content_type="text/csv")

    imported = client.post("/api/products/import/", {"file": upload}, format="multipart")
    exported = client.get("/api/products/export/")

    assert imported.status_code == (200 if role in WRITERS else 403)
    assert exported.status_code == 200


@pytest.mark.parametrize(
    "url", ["/api/categories/", "/api/products/", "/api/variants/", "/api/suppliers/", "/api/products/export/"]
)
def test_every_catalog_route_needs_authentication(api_client, url):
    response = api_client.get(url)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_user_without_an_organization_is_refused(client_for, db):
    from tests.users.factories import UserFactory

    lonely = UserFactory(organization=None, role="admin")

    assert client_for(lonely).get("/api/products/").status_code == 403
