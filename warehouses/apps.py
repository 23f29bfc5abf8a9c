from django.apps import AppConfig


class WarehousesConfig(AppConfig):
    name = "warehouses"

    def ready(self):
        # A user's warehouses are named through a seam the users app declares (users.assignable): this app fills
        # it, so the import points down a floor.
        from users import assignable
        from warehouses.models import Warehouse

        assignable.provide(Warehouse.objects.all())
