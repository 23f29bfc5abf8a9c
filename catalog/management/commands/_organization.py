from django.core.management.base import CommandError

from users.models import Organization


def organization_from_option(value: str) -> Organization:
    """An organization by id, or by its exact name."""
    queryset = (
        Organization.objects.filter(pk=int(value)) if value.isdigit() else Organization.objects.filter(name=value)
    )
    found = list(queryset[:2])
    if not found:
        raise CommandError(f"No organization {value!r}. {_known()}")
    if len(found) > 1:
        raise CommandError(f"Several organizations are named {value!r}; give its id.")
    return found[0]


def _known(limit: int = 20) -> str:
    organizations = list(Organization.objects.order_by("id").values_list("id", "name")[: limit + 1])
    if not organizations:
        return "There is no organization yet (manage.py seed_demo makes a demo one)."
    listed = ", ".join(f"{pk} ({name})" for pk, name in organizations[:limit])
    more = f", and {Organization.objects.count() - limit} more" if len(organizations) > limit else ""
    return f"Known organizations, by id: {listed}{more}."
