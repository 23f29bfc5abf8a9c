import factory

from core.roles import Role
from users.models import Organization, PromotionRequest, User, UserStatus

PASSWORD = "Correct-Horse-42"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = Role.STAFF
    status = UserStatus.ACTIVE
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def warehouses(self, create, extracted, **kwargs):
        if create and extracted:
            self.warehouses.set(extracted)


class PromotionRequestFactory(factory.django.DjangoModelFactory):
    """A pending request by a manager for a staff member, both in `organization`."""

    class Meta:
        model = PromotionRequest

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory, organization=factory.SelfAttribute("..organization"), role=Role.STAFF)
    requested_by = factory.SubFactory(
        UserFactory, organization=factory.SelfAttribute("..organization"), role=Role.MANAGER
    )
    reason = "Ready to run the warehouse."
