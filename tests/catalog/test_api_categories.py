import pytest

from catalog.models import Category
from tests.catalog.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

URL = "/api/categories/"


def detail(category):
    return f"{URL}{category.pk}/"


def test_anyone_of_the_organization_lists_categories_with_their_product_count(viewer_client, org):
    snacks = CategoryFactory(organization=org, name="Snacks")
    CategoryFactory(organization=org, name="Dairy")
    ProductFactory.create_batch(2, organization=org, category=snacks)

    response = viewer_client.get(URL)

    assert response.status_code == 200
    assert [(row["name"], row["product_count"]) for row in response.json()["results"]] == [
        ("Dairy", 0),
        ("Snacks", 2),
    ]


def test_a_manager_creates_a_category(manager_client, org):
    response = manager_client.post(URL, {"name": " Snacks ", "description": "Chips and nuts"})

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "Snacks"
    assert body["product_count"] == 0
    assert set(body) >= {"id", "name", "description", "product_count"}
    assert Category.objects.get(pk=body["id"]).organization == org


def test_a_duplicate_category_name_is_a_400_keyed_by_name(manager_client, org):
    CategoryFactory(organization=org, name="Snacks")

    response = manager_client.post(URL, {"name": "snacks"})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert list(body["errors"]) == ["name"]


def test_the_same_category_name_is_fine_in_another_organization(manager_client, other_org):
    CategoryFactory(organization=other_org, name="Snacks")

    assert manager_client.post(URL, {"name": "Snacks"}).status_code == 201


def test_renaming_a_category_to_its_own_name_is_fine_but_not_to_anothers(manager_client, org):
    snacks = CategoryFactory(organization=org, name="Snacks")
    CategoryFactory(organization=org, name="Dairy")

    assert manager_client.patch(detail(snacks), {"name": "Snacks", "description": "x"}).status_code == 200
    response = manager_client.patch(detail(snacks), {"name": "Dairy"})

    assert response.status_code == 400
    assert "name" in response.json()["errors"]


@pytest.mark.parametrize("name", ["", "   ", "x" * 201, None, 12, ["a"]])
def test_a_bad_category_name_is_a_400(manager_client, name):
    response = manager_client.post(URL, {"name": name}, format="json")

    assert response.status_code == 400
    assert "name" in response.json()["errors"]


def test_an_admin_deletes_an_empty_category(admin_client, org):
    category = CategoryFactory(organization=org)

    assert admin_client.delete(detail(category)).status_code == 204
    assert not Category.objects.filter(pk=category.pk).exists()


def test_deleting_a_category_with_products_is_409_protected_and_says_what_refers_to_it(admin_client, org):
    category = CategoryFactory(organization=org, name="Snacks")
    ProductFactory.create_batch(3, organization=org, category=category)

    response = admin_client.delete(detail(category))

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "protected"
    assert body["detail"] == 'Category "Snacks" cannot be deleted: 3 products still refer to it.'
    assert Category.objects.filter(pk=category.pk).exists()


def test_search_and_ordering(viewer_client, org):
    CategoryFactory(organization=org, name="Beverages", description="Drinks")
    CategoryFactory(organization=org, name="Snacks", description="Chips")
    big = CategoryFactory(organization=org, name="Dairy")
    ProductFactory.create_batch(2, organization=org, category=big)

    searched = viewer_client.get(URL, {"search": "drink"}).json()["results"]
    ordered = viewer_client.get(URL, {"ordering": "-product_count"}).json()["results"]

    assert [row["name"] for row in searched] == ["Beverages"]
    assert ordered[0]["name"] == "Dairy"


def test_a_category_of_another_organization_is_404(admin_client, other_org):
    foreign = CategoryFactory(organization=other_org)

    assert admin_client.get(detail(foreign)).status_code == 404
    assert admin_client.patch(detail(foreign), {"name": "Mine"}).status_code == 404
    assert admin_client.delete(detail(foreign)).status_code == 404


def test_categories_need_authentication(api_client):
    response = api_client.get(URL)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_put_replaces_a_category(manager_client, org):
    category = CategoryFactory(organization=org, name="Old", description="old")

    response = manager_client.put(detail(category), {"name": "New", "description": ""})

    assert response.status_code == 200
    category.refresh_from_db()
    assert (category.name, category.description) == ("New", "")


def test_put_without_a_name_is_a_400(manager_client, org):
    category = CategoryFactory(organization=org)

    response = manager_client.put(detail(category), {"description": "x"})

    assert response.status_code == 400
    assert "name" in response.json()["errors"]
