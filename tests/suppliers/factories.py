import factory

from suppliers.models import Supplier
from tests.users.factories import OrganizationFactory


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Supplier {n}")
    contact_name = "Pat Jones"
    email = factory.Sequence(lambda n: f"orders{n}@supplier.example")
