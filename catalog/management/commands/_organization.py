from django.core.management.base import CommandError

from users.models import Organization


def organization_from_option(value: str) -> Organization:
    """An organization by id, or by its exact name."""
    queryset = (
        Organization.objects.filter(pk=int(value)) if value.isdigit() else Organization.objects.filter(name=value)
    )
    found = list(queryset[:2])
    if not found:
        raise CommandError(f"No organization {value!r}.")
    if len(found) > 1:
        raise CommandError(f"Several organizations are named {value!r}; give its id.")
    return found[0]
