"""Every write on organizations, users and promotion requests, with the role rules of the contract.

Services take the acting user as `by` and enforce the "own warehouse" rules themselves (403), so every caller —
API, admin, commands — gets the same answer. State changes lock the affected row first. Callers import from
`users.services`; the modules are how it is kept in rooms.
"""

from users.services.accounts import (
    user_login,
    user_logout,
    user_password_change,
    user_register,
    user_tokens_issue,
    user_tokens_revoke,
)
from users.services.members import (
    MANAGER_GRANTABLE_ROLES,
    user_approve,
    user_can_manage,
    user_create,
    user_demote,
    user_dismiss,
    user_profile_update,
    user_reinstate,
    user_update,
)
from users.services.organization import (
    organization_rotate_join_code,
    organization_update,
    promotion_request_approve,
    promotion_request_create,
    promotion_request_reject,
)

__all__ = [
    "MANAGER_GRANTABLE_ROLES",
    "organization_rotate_join_code",
    "organization_update",
    "promotion_request_approve",
    "promotion_request_create",
    "promotion_request_reject",
    "user_approve",
    "user_can_manage",
    "user_create",
    "user_demote",
    "user_dismiss",
    "user_login",
    "user_logout",
    "user_password_change",
    "user_profile_update",
    "user_register",
    "user_reinstate",
    "user_tokens_issue",
    "user_tokens_revoke",
    "user_update",
]
