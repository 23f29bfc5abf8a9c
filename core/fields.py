"""Serializer fields shared by every app: free text with a bound.

`BoundedTextField` is a `CharField` of at most `TEXT_MAX_LENGTH` characters (a 400 naming the limit past it).
`core.apps` maps every model `TextField` to it for `ModelSerializer`s, so a description, an address or a note is
bounded wherever a serializer is generated from the model; input serializers declare it for their free text.
"""

from django.conf import settings
from rest_framework import serializers


class BoundedTextField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", settings.TEXT_MAX_LENGTH)
        super().__init__(**kwargs)
