"""Seed a demo organization: each installed app's `seed.py` adds its part, floor by floor.

An app takes part by having a `seed.py` with `seed(ctx)` (ctx is a dict the apps share: the organization, the
users, the warehouses...) and optionally `describe()`, which returns lines to print (the demo logins), and
`seeded(organization_name)`, which tells whether its part exists already (the app that creates the organization
answers it). The command names no app: it sits on the ground floor.
"""

import importlib
import importlib.util

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

DEMO_ORGANIZATION = "Demo Company"


def _seed_modules():
    for app_config in apps.get_app_configs():
        module_name = f"{app_config.name}.seed"
        if importlib.util.find_spec(module_name) is not None:
            yield importlib.import_module(module_name)


class Command(BaseCommand):
    help = "Create a demo organization with one user per role, warehouses, catalog and history."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when the demo organization exists.")

    def handle(self, *args, if_empty=False, **options):
        if any(module.seeded(DEMO_ORGANIZATION) for module in _seed_modules() if hasattr(module, "seeded")):
            if not if_empty:
                self.stderr.write(f"'{DEMO_ORGANIZATION}' already exists; nothing was seeded.")
            self._describe()
            return
        ctx: dict = {"organization_name": DEMO_ORGANIZATION, "log": self.stdout.write}
        with transaction.atomic():
            for module in _seed_modules():
                module.seed(ctx)
        self.stdout.write(self.style.SUCCESS(f"Seeded '{DEMO_ORGANIZATION}'."))
        self._describe()

    def _describe(self):
        for module in _seed_modules():
            describe = getattr(module, "describe", None)
            if describe:
                for line in describe():
                    self.stdout.write(line)
