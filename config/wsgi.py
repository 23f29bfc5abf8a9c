"""WSGI entry point: ``granian --interface wsgi config.wsgi:application`` (see the Dockerfile)."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

django.setup(set_prefix=False)  # as `django.core.wsgi.get_wsgi_application()` does, for Django's handler

from core.handlers import WSGIHandler  # noqa: E402  (after setup: it imports Django's request machinery)

application = WSGIHandler()
