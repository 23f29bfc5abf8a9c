"""A change to a user gives them a new auth version once it commits (`core.authstate`): every process then reads
the user's row again on their next request, so a dismissal, a deactivation, a role or warehouse change takes effect
at once.
"""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from core import authstate
from users.models import User


def bump_after_commit(user_ids) -> None:
    for user_id in user_ids:
        transaction.on_commit(lambda user_id=user_id: authstate.bump(user_id))


@receiver(post_save, sender=User, dispatch_uid="users.authstate.saved")
@receiver(post_delete, sender=User, dispatch_uid="users.authstate.deleted")
def _user_changed(sender, instance, **kwargs):
    bump_after_commit([instance.pk])


@receiver(m2m_changed, sender=User.warehouses.through, dispatch_uid="users.authstate.warehouses")
def _warehouses_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if reverse:  # user.warehouses changed: that user
        if action.startswith("post_"):
            bump_after_commit([instance.pk])
    elif action == "pre_clear":  # warehouse.assigned_users.clear(): every user it had, read before they go
        bump_after_commit(list(instance.assigned_users.values_list("pk", flat=True)))
    elif action in ("post_add", "post_remove") and pk_set:  # warehouse.assigned_users changed: the users named
        bump_after_commit(pk_set)
