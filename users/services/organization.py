"""Promotion requests, and the organization's name and join code."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.exceptions import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotPermitted,
)
from core.permissions import warehouse_ids_of
from core.roles import Role
from users.models import (
    Organization,
    PromotionRequest,
    PromotionRequestStatus,
    User,
    UserStatus,
    new_join_code,
)
from users.services.members import locked_user

# --- Promotion requests -------------------------------------------------------------------------------------------


@transaction.atomic
def promotion_request_create(*, user: User, by: User, reason: str = "") -> PromotionRequest:
    """A manager asks for a staff member of one of their warehouses to be promoted to manager.

    Not a manager → 403; the user is not staff → 400 keyed `user`; not in an own warehouse → 403; an open
    request for the same user → 409 `conflict`.
    """
    if by.role != Role.MANAGER:
        raise NotPermitted("Only managers request promotions.")
    user = locked_user(user)
    if user.organization_id != by.organization_id:
        raise InvalidInput({"user": ["No such user in your organization."]})
    if user.role != Role.STAFF or user.status != UserStatus.ACTIVE:
        raise InvalidInput({"user": ["Only an active staff member can be promoted to manager."]})
    if not warehouse_ids_of(by) & set(user.warehouses.values_list("pk", flat=True)):
        raise NotPermitted("You can only request promotions for staff of your own warehouses.")
    if PromotionRequest.objects.filter(user=user, status=PromotionRequestStatus.PENDING).exists():
        raise Conflict("This user already has a pending promotion request.")
    try:
        with transaction.atomic():
            return PromotionRequest.objects.create(
                organization_id=by.organization_id, user=user, requested_by=by, reason=reason
            )
    except IntegrityError as exc:  # the partial unique constraint, under a concurrent request
        raise Conflict("This user already has a pending promotion request.") from exc


@transaction.atomic
def promotion_request_approve(*, promotion_request: PromotionRequest, by: User) -> PromotionRequest:
    """Approve a pending request (admin only): the user becomes a manager, keeping their warehouses."""
    promotion_request = _decide(promotion_request, by=by, status=PromotionRequestStatus.APPROVED)
    user = locked_user(promotion_request.user)
    if user.status != UserStatus.ACTIVE or user.role != Role.STAFF:
        raise Conflict("The user is no longer an active staff member and cannot be promoted.")
    user.role = Role.MANAGER
    user.save(update_fields=["role"])
    promotion_request.user = user
    return promotion_request


@transaction.atomic
def promotion_request_reject(*, promotion_request: PromotionRequest, by: User) -> PromotionRequest:
    return _decide(promotion_request, by=by, status=PromotionRequestStatus.REJECTED)


def _decide(promotion_request: PromotionRequest, *, by: User, status: str) -> PromotionRequest:
    if by.role != Role.ADMIN:
        raise NotPermitted("Only an admin can decide on promotion requests.")
    locked = PromotionRequest.objects.select_for_update().get(pk=promotion_request.pk)
    if locked.status != PromotionRequestStatus.PENDING:
        raise InvalidTransition(f"This promotion request is already {locked.status}.")
    locked.status = status
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    return locked


# --- Organization -------------------------------------------------------------------------------------------------


def organization_update(*, organization: Organization, by: User, name: str) -> Organization:
    if by.role != Role.ADMIN:
        raise NotPermitted("Only an admin can change the organization.")
    organization.name = name
    organization.save(update_fields=["name"])
    return organization


def organization_rotate_join_code(*, organization: Organization, by: User) -> Organization:
    """Give the organization a new join code; the old one stops working at once (admin only)."""
    if by.role != Role.ADMIN:
        raise NotPermitted("Only an admin can rotate the join code.")
    for _ in range(5):
        organization.join_code = new_join_code()
        try:
            with transaction.atomic():
                organization.save(update_fields=["join_code"])
            return organization
        except IntegrityError:  # a collision of 72 random bits: try another
            continue
    raise Conflict("Could not generate a new join code; try again.")
