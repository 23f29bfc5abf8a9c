"""The user-management routes and the assertions the user API tests share."""

from django.urls import reverse

USERS = reverse("users:user-list")
ROLES = reverse("users:role-list")
ORGANIZATION = reverse("users:organization-detail")
ROTATE = reverse("users:organization-rotate-join-code")
STRONG = "plum-Orchard-91-kite"


def detail(user):
    return reverse("users:user-detail", args=[user.pk])


def approve(user):
    return reverse("users:user-approve", args=[user.pk])


def dismiss(user):
    return reverse("users:user-dismiss", args=[user.pk])


def demote(user):
    return reverse("users:user-demote", args=[user.pk])


def usernames(response):
    assert response.status_code == 200, response.content
    return {row["username"] for row in response.json()["results"]}


def _error(response, status, code):
    body = response.json()
    assert response.status_code == status, body
    assert (body["status"], body["code"]) == (status, code)
    return body
