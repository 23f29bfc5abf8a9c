import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models

from core.roles import Role


def new_join_code() -> str:
    return secrets.token_urlsafe(9)


class Organization(models.Model):
    """A tenant: every business object belongs to exactly one."""

    name = models.CharField(max_length=200)
    join_code = models.CharField(max_length=32, unique=True, default=new_join_code)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class UserStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACTIVE = "active", "Active"
    DISMISSED = "dismissed", "Dismissed"


class User(AbstractUser):
    """A person in one organization, with a role and zero or more assigned ("own") warehouses.

    The assignment is declared by the floor above (`Warehouse.assigned_users`); a user reads it as `user.warehouses`.

    `is_active` mirrors `status`: a dismissed user is inactive, so every authentication path (login, JWT,
    session) refuses them at once.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="users", null=True, blank=True
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    status = models.CharField(max_length=16, choices=UserStatus.choices, default=UserStatus.ACTIVE)
    phone = models.CharField(max_length=32, blank=True)
    avatar = models.ImageField(upload_to="avatars/", blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "role"]), models.Index(fields=["organization", "status"])]

    def __str__(self):
        return self.username


class PromotionRequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class PromotionRequest(models.Model):
    """A manager asks an admin to promote a staff member of their warehouse to manager."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="promotion_requests")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="promotion_requests")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="promotion_requests_made")
    reason = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=PromotionRequestStatus.choices, default=PromotionRequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="promotion_requests_decided", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open request per user at a time.
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(status="pending"), name="one_pending_promotion_per_user"
            ),
        ]

    def __str__(self):
        return f"Promote {self.user} ({self.status})"
