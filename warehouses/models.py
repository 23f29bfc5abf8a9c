from django.conf import settings
from django.db import models


class Warehouse(models.Model):
    organization = models.ForeignKey("users.Organization", on_delete=models.CASCADE, related_name="warehouses")
    name = models.CharField(max_length=200)
    code = models.CharField(max_length=32)
    address = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The users whose "own" warehouse this is (`user.warehouses`). Declared here, one floor above users; the table
    # keeps the name it had when the user declared it.
    assigned_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="warehouses", blank=True, db_table="users_user_warehouses"
    )

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="warehouse_code_unique_per_org"),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"
