import datetime as dt

import factory

from core.roles import Role
from reports.models import ReportJob
from tests.users.factories import OrganizationFactory, UserFactory


class ReportJobFactory(factory.django.DjangoModelFactory):
    """A queued CSV job over March 2025, asked for by an admin of `organization`."""

    class Meta:
        model = ReportJob

    organization = factory.SubFactory(OrganizationFactory)
    created_by = factory.SubFactory(UserFactory, organization=factory.SelfAttribute("..organization"), role=Role.ADMIN)
    report = "stock_movements"
    format = "csv"
    start = dt.date(2025, 3, 1)
    end = dt.date(2025, 3, 31)
