"""A django-filter `FilterSet` that builds its form class once per class instead of once per request."""

import django_filters
from django_filters.filters import QuerySetRequestMixin


class FilterSet(django_filters.FilterSet):
    """`django_filters.FilterSet`, with the form class built once per FilterSet class.

    django-filter builds a form field for each filter and a form class out of them on every request: on a page of
    stock movements that was a tenth of the request's CPU, for fields that depend only on the filters' declarations.
    Validation is unchanged (each request still gets its own form, bound to its query string). A FilterSet with a
    filter whose choices can depend on the request (`ModelChoiceFilter` and the like, whose queryset may be a
    callable of the request) keeps django-filter's per-request form class; so must a FilterSet that changes its
    filters per instance (none here does).
    """

    def get_form_class(self):
        cls = type(self)
        form_class = cls.__dict__.get("_cached_form_class")  # this class's own, never a parent's
        if form_class is None:
            form_class = super().get_form_class()
            if not any(isinstance(filter_, QuerySetRequestMixin) for filter_ in self.filters.values()):
                cls._cached_form_class = form_class
        return form_class
