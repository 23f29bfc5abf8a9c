"""Generated bodies never make the catalog routes fail: every answer is 201/200 or a 4xx, never a 5xx.

The strategies mix well-formed values with the classic bad ones: wrong JSON types, negative money, three-decimal
prices, ids that do not exist or belong to another organization, attributes that are not an object of strings,
and names of 10,000 characters.
"""

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.catalog.factories import CategoryFactory, VariantFactory
from tests.suppliers.factories import SupplierFactory

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)
any_json = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8,
)
money = st.one_of(
    st.decimals(min_value=-1000, max_value=10**11, places=2, allow_nan=False, allow_infinity=False).map(str),
    st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False, allow_infinity=False).map(str),
    st.sampled_from(["1e400", "-0", "0.00", "NaN", "Infinity", " 5 ", "1,50"]),
    any_json,
)
names = st.one_of(
    st.text(min_size=1, max_size=60),
    st.just("N" * 10_000),
    st.just(""),
    any_json,
)
attributes = st.one_of(
    st.dictionaries(st.text(max_size=70), st.text(max_size=210), max_size=4),
    st.dictionaries(st.text(max_size=8), any_json, max_size=3),
    any_json,
)
skus = st.one_of(st.text(alphabet=string.ascii_uppercase + string.digits + "-", min_size=1, max_size=70), any_json)


def variant_bodies(ids):
    return st.fixed_dictionaries(
        {},
        optional={
            "sku": skus,
            "barcode": st.one_of(st.text(max_size=70), any_json),
            "attributes": attributes,
            "price": money,
            "cost": money,
            "reorder_level": st.one_of(st.integers(min_value=-5, max_value=2**40), any_json),
        },
    )


def product_bodies(ids):
    ids_or_junk = st.one_of(st.sampled_from(ids), any_json)
    return st.fixed_dictionaries(
        {"name": names},
        optional={
            "description": st.one_of(st.text(max_size=50), any_json),
            "category": ids_or_junk,
            "supplier": ids_or_junk,
            "expiration_date": st.one_of(st.dates().map(str), st.text(max_size=12), any_json),
            "is_active": st.one_of(st.booleans(), any_json),
            "variants": st.one_of(st.lists(variant_bodies(ids), max_size=3), any_json),
            "sku": skus,
            "barcode": st.one_of(st.text(max_size=70), any_json),
            "attributes": attributes,
            "price": money,
            "cost": money,
            "reorder_level": st.one_of(st.integers(min_value=-5, max_value=2**40), any_json),
        },
    )


def good_product_bodies(own_ids):
    """Bodies that should be accepted: the fuzzing must reach the create path too, not only the 400s."""
    return st.fixed_dictionaries(
        {
            "name": st.text(alphabet=string.ascii_letters + " -", min_size=1, max_size=40).filter(str.strip),
            "price": st.decimals(min_value=0, max_value=10**6, places=2).map(str),
        },
        optional={
            "category": st.sampled_from(own_ids),
            "attributes": st.dictionaries(st.sampled_from(["size", "colour"]), st.text(max_size=10), max_size=2),
            "reorder_level": st.integers(min_value=0, max_value=1000),
        },
    )


@pytest.fixture
def ids(org, other_org):
    """Real ids of this organization and of another one, plus ids that exist nowhere."""
    own = [CategoryFactory(organization=org).pk, SupplierFactory(organization=org).pk]
    foreign = [CategoryFactory(organization=other_org).pk, SupplierFactory(organization=other_org).pk]
    return [*own, *foreign, 0, -1, 10**9]


def _assert_not_a_server_error(response, expected_success, seen=None):
    if seen is not None:
        seen.add(response.status_code)
    assert response.status_code < 500, response.content
    assert response.status_code == expected_success or 400 <= response.status_code < 500
    if response.status_code >= 400:
        body = response.json()
        assert {"status", "code", "detail"} <= set(body)


def test_generated_product_bodies_answer_201_or_4xx_never_5xx(manager_client, ids):
    seen: set[int] = set()

    @FUZZ
    @given(body=st.one_of(product_bodies(ids), good_product_bodies(ids[:1])))
    def post(body):
        _assert_not_a_server_error(manager_client.post("/api/products/", body, format="json"), 201, seen)

    post()
    assert {201, 400} <= seen  # the bodies reach both the happy path and the validation


def test_generated_variant_updates_answer_200_or_4xx_never_5xx(manager_client, org, ids):
    variant = VariantFactory(organization=org)
    seen: set[int] = set()

    @FUZZ
    @given(body=variant_bodies(ids))
    def patch(body):
        response = manager_client.patch(f"/api/variants/{variant.pk}/", body, format="json")
        _assert_not_a_server_error(response, 200, seen)

    patch()
    assert {200, 400} <= seen


def test_generated_category_and_supplier_bodies_answer_201_or_4xx_never_5xx(manager_client):
    @FUZZ
    @given(
        body=st.fixed_dictionaries(
            {"name": names},
            optional={"description": any_json, "email": any_json, "phone": any_json, "notes": any_json},
        )
    )
    def post(body):
        _assert_not_a_server_error(manager_client.post("/api/categories/", body, format="json"), 201)
        _assert_not_a_server_error(manager_client.post("/api/suppliers/", body, format="json"), 201)

    post()


def test_generated_query_strings_never_fail_the_lists(viewer_client, ids):
    params = st.dictionaries(
        st.sampled_from(
            [
                "category",
                "supplier",
                "warehouse",
                "is_low_stock",
                "is_expired",
                "search",
                "ordering",
                "page",
                "page_size",
                "is_active",
            ]
        ),
        st.one_of(st.text(max_size=25), st.integers(min_value=-(2**70), max_value=2**70).map(str)),
        max_size=4,
    )

    @FUZZ
    @given(query=params)
    def get(query):
        for url in ("/api/products/", "/api/variants/"):
            response = viewer_client.get(url, query)
            assert response.status_code in (200, 400, 404), response.content

    get()
