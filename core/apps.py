from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self):
        from django.db import models
        from rest_framework import serializers

        from core.fields import BoundedTextField

        # Every ModelSerializer's field for a model TextField is bounded (TEXT_MAX_LENGTH): see core/fields.py.
        serializers.ModelSerializer.serializer_field_mapping[models.TextField] = BoundedTextField
