"""Demo organization and one user per role (see `core` seed_demo)."""

from core.roles import Role
from users.models import Organization, User, UserStatus

DEMO_PASSWORD = "stockroom-demo"
DEMO_USERS = [
    ("demo_admin", Role.ADMIN),
    ("demo_manager", Role.MANAGER),
    ("demo_staff", Role.STAFF),
    ("demo_viewer", Role.VIEWER),
]


def seeded(organization_name: str) -> bool:
    """Whether the demo organization exists already (seed_demo then seeds nothing)."""
    return Organization.objects.filter(name=organization_name).exists()


def seed(ctx: dict) -> None:
    organization = Organization.objects.create(name=ctx["organization_name"])
    users = {}
    for username, role in DEMO_USERS:
        user = User(
            username=username,
            email=f"{username}@example.com",
            organization=organization,
            role=role,
            status=UserStatus.ACTIVE,
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        users[role] = user
    ctx.update(organization=organization, users=users)
    ctx["log"](f"Organization '{organization.name}' (join code {organization.join_code}) with {len(users)} users.")


def describe() -> list[str]:
    lines = [f"Demo logins (password for each: {DEMO_PASSWORD}):"]
    lines += [f"  {role.label:<8} {username}" for username, role in DEMO_USERS]
    lines.append("Admin site: http://127.0.0.1:8000/admin/ (demo_admin)  API docs: http://127.0.0.1:8000/api/docs/")
    return lines
