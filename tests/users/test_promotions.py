import pytest
from django.urls import reverse

from core.roles import Role
from tests.users.factories import PromotionRequestFactory, UserFactory
from users.models import PromotionRequest, PromotionRequestStatus

pytestmark = pytest.mark.django_db

REQUESTS = reverse("users:promotion-request-list")


def approve(promotion_request):
    return reverse("users:promotion-request-approve", args=[promotion_request.pk])


def reject(promotion_request):
    return reverse("users:promotion-request-reject", args=[promotion_request.pk])


def _error(response, status, code):
    body = response.json()
    assert response.status_code == status, body
    assert (body["status"], body["code"]) == (status, code)
    return body


@pytest.fixture
def open_request(org, manager, staff):
    return PromotionRequestFactory(organization=org, user=staff, requested_by=manager)


# --- Create -------------------------------------------------------------------------------------------------------


def test_manager_requests_the_promotion_of_staff_of_an_own_warehouse(manager_client, manager, staff):
    response = manager_client.post(REQUESTS, {"user": staff.pk, "reason": "Runs the night shift."})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["user"] == {"id": staff.pk, "username": "staff"}
    assert body["requested_by"] == {"id": manager.pk, "username": "manager"}
    assert (body["status"], body["reason"], body["decided_by"], body["decided_at"]) == (
        "pending",
        "Runs the night shift.",
        None,
        None,
    )
    assert PromotionRequest.objects.get().user == staff


def test_manager_cannot_request_for_staff_of_another_warehouse(manager_client, org, other_warehouse):
    annex_staff = UserFactory(organization=org, role=Role.STAFF, warehouses=[other_warehouse])

    _error(manager_client.post(REQUESTS, {"user": annex_staff.pk}), 403, "permission_denied")
    assert not PromotionRequest.objects.exists()


def test_only_staff_can_be_proposed(manager_client, viewer):
    body = _error(manager_client.post(REQUESTS, {"user": viewer.pk}), 400, "validation_error")

    assert "user" in body["errors"]


def test_a_user_of_another_organization_is_400(manager_client, other_admin):
    body = _error(manager_client.post(REQUESTS, {"user": other_admin.pk}), 400, "validation_error")

    assert "user" in body["errors"]


def test_a_second_open_request_for_the_same_user_is_409(manager_client, open_request, staff):
    _error(manager_client.post(REQUESTS, {"user": staff.pk}), 409, "conflict")
    assert PromotionRequest.objects.count() == 1


@pytest.mark.parametrize("client_fixture", ["admin_client", "staff_client", "viewer_client"])
def test_only_managers_request_promotions(request, client_fixture, staff):
    client = request.getfixturevalue(client_fixture)

    _error(client.post(REQUESTS, {"user": staff.pk}), 403, "permission_denied")
    assert not PromotionRequest.objects.exists()


# --- Read ---------------------------------------------------------------------------------------------------------


def test_admin_lists_every_request_and_a_manager_only_their_own(admin_client, client_for, org, open_request):
    other_manager = UserFactory(organization=org, role=Role.MANAGER)
    theirs = PromotionRequestFactory(organization=org, requested_by=other_manager)

    admin_ids = {row["id"] for row in admin_client.get(REQUESTS).json()["results"]}
    manager_ids = {row["id"] for row in client_for(other_manager).get(REQUESTS).json()["results"]}

    assert admin_ids == {open_request.pk, theirs.pk}
    assert manager_ids == {theirs.pk}


def test_manager_cannot_read_another_managers_request(client_for, org, open_request):
    other_manager = UserFactory(organization=org, role=Role.MANAGER)

    url = reverse("users:promotion-request-detail", args=[open_request.pk])
    _error(client_for(other_manager).get(url), 403, "permission_denied")


def test_staff_cannot_list_requests(staff_client, open_request):
    _error(staff_client.get(REQUESTS), 403, "permission_denied")


def test_requests_are_filtered_by_status(admin_client, org, open_request):
    decided = PromotionRequestFactory(organization=org, status=PromotionRequestStatus.REJECTED)

    rows = admin_client.get(REQUESTS, {"status": "rejected"}).json()["results"]

    assert [row["id"] for row in rows] == [decided.pk]


def test_another_organizations_request_is_404(admin_client, other_org):
    foreign = PromotionRequestFactory(organization=other_org)

    url = reverse("users:promotion-request-detail", args=[foreign.pk])
    _error(admin_client.get(url), 404, "not_found")
    _error(admin_client.post(approve(foreign)), 404, "not_found")


# --- Decide -------------------------------------------------------------------------------------------------------


def test_admin_approves_and_the_user_becomes_a_manager(admin_client, admin, open_request, staff, warehouse):
    response = admin_client.post(approve(open_request))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "approved"
    assert body["decided_by"] == {"id": admin.pk, "username": "admin"}
    assert body["decided_at"]
    staff.refresh_from_db()
    assert staff.role == Role.MANAGER
    assert list(staff.warehouses.all()) == [warehouse]


def test_managers_cannot_approve_promotion_requests(manager_client, open_request, staff):
    _error(manager_client.post(approve(open_request)), 403, "permission_denied")
    open_request.refresh_from_db()
    staff.refresh_from_db()
    assert open_request.status == PromotionRequestStatus.PENDING
    assert staff.role == Role.STAFF


def test_admin_rejects_and_the_role_stays(admin_client, open_request, staff):
    response = admin_client.post(reject(open_request))

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "rejected"
    staff.refresh_from_db()
    assert staff.role == Role.STAFF


def test_managers_cannot_reject_promotion_requests(manager_client, open_request):
    _error(manager_client.post(reject(open_request)), 403, "permission_denied")


def test_a_decided_request_cannot_be_decided_again(admin_client, open_request):
    admin_client.post(reject(open_request))

    _error(admin_client.post(approve(open_request)), 409, "invalid_transition")
    open_request.refresh_from_db()
    assert open_request.status == PromotionRequestStatus.REJECTED


def test_after_a_decision_a_new_request_can_be_made(admin_client, manager_client, open_request, staff):
    admin_client.post(reject(open_request))

    assert manager_client.post(REQUESTS, {"user": staff.pk}).status_code == 201


def test_promotion_requests_cannot_be_edited_or_deleted(admin_client, open_request):
    url = reverse("users:promotion-request-detail", args=[open_request.pk])

    _error(admin_client.patch(url, {"status": "approved"}), 405, "method_not_allowed")
    _error(admin_client.delete(url), 405, "method_not_allowed")
