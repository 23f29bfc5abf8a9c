from django.db import models


class Supplier(models.Model):
    organization = models.ForeignKey("users.Organization", on_delete=models.CASCADE, related_name="suppliers")
    name = models.CharField(max_length=200)
    contact_name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    address = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="supplier_name_unique_per_org"),
        ]

    def __str__(self):
        return self.name
