from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self):
        from django.db import models
        from django.db.backends.signals import connection_created
        from rest_framework import serializers

        from core.fields import BoundedTextField
        from core.timestamps import use_c_timestamps

        connection_created.connect(use_c_timestamps, dispatch_uid="core.timestamps")

        # Every ModelSerializer's field for a model TextField is bounded (TEXT_MAX_LENGTH): see core/fields.py.
        serializers.ModelSerializer.serializer_field_mapping[models.TextField] = BoundedTextField
