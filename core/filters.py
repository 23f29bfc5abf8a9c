"""Filter pieces shared by the lists: a django-filter `FilterSet` that builds its form class once per class instead
of once per request, an `?ordering=` that refuses fields a route does not offer, and a `?search=` that trigram
indexes can serve.
"""

import copy
import datetime
import operator
import re
from functools import cached_property, reduce

import django_filters
from django import forms
from django.db.models import Q
from django.db.models.constants import LOOKUP_SEP
from django.http import QueryDict
from django_filters.filters import FilterMethod, QuerySetRequestMixin
from django_filters.widgets import BooleanWidget
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import filters
from rest_framework.exceptions import ValidationError


def day_after(day: datetime.date, *, name: str) -> datetime.date:
    """The day after `day`, the exclusive end of an inclusive `?name=` date bound; 400 naming it on the last date."""
    if day >= datetime.date.max:
        raise ValidationError({name: [f"Enter a date before {datetime.date.max.isoformat()}."]})
    return day + datetime.timedelta(days=1)


class FilterSet(django_filters.FilterSet):
    """`django_filters.FilterSet`, with the form class built once per FilterSet class.

    django-filter builds a form field for each filter and a form class out of them on every request: on a page of
    stock movements that was a noticeable share of the request's CPU (bench/README.md), for fields that
    depend only on the filters' declarations. Validation is unchanged: each request still gets its own form, bound to
    its query string. The one field that can depend on the request is the queryset of a `ModelChoiceFilter` and its
    kin (a callable of the request, e.g. the caller's organization's categories): each request's form gets its
    own, set on the form's copy of the field, so an id of another organization is still refused. A FilterSet that
    changes its filters per instance must not use this class (none here does).

    `kept` names the filters whose statement depends on the value sent only (no database read to validate it or to
    build it), and `kept_ids` the `ModelChoiceFilter`s taking the id of one of the caller's organization's objects
    (`{name: model}`, the model's `organization` field): a list naming no others is read through kept statements
    (`core.kept_pages`, decision 0028).
    """

    kept: tuple[str, ...] = ()
    kept_ids: dict = {}

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # django-filter's own, except that each filter is copied, not deep-copied: a deep copy of every filter (and
        # of the querysets of its arguments) was a fifth of a page of movements' CPU, and a filter's declaration is
        # never changed per request. What is per instance is set on the copy: its model, its FilterSet, the bound
        # method of a `method=` filter, and the form field it builds on first use (`_field`).
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: _copy_filter(filter_) for name, filter_ in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model = queryset.model
            filter_.parent = self

    def get_form_class(self):
        cls = type(self)
        form_class = cls.__dict__.get("_cached_form_class")  # this class's own, never a parent's
        if form_class is None:
            form_class = super().get_form_class()
            form_class.base_fields = _FormFields(form_class.base_fields)
            cls._cached_form_class = form_class
        return form_class

    def is_valid(self):
        return self.is_bound and (self._untouched or self.form.is_valid())

    @property
    def qs(self):
        if not hasattr(self, "_qs") and self.is_bound and self._untouched:
            self._qs = self.queryset.all()
        return super().qs

    @cached_property
    def _untouched(self) -> bool:
        """No filter is named in the query string (and none is required): validating and filtering would leave the
        queryset as it is, so no form is built. Asked of each field's widget, which knows the names it reads
        (`price_min`, `created_after`...). Measured in bench/README.md, "Lists read without filters".
        """
        fields = self.get_form_class().base_fields
        return not any(
            field.required or not field.widget.value_omitted_from_data(self.data, {}, self._prefixed(name))
            for name, field in fields.items()
        )

    def _prefixed(self, name: str) -> str:  # as the form names its fields (`Form.add_prefix`)
        return f"{self.form_prefix}-{name}" if self.form_prefix else name

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            for name, filter_ in self.filters.items():
                if isinstance(filter_, QuerySetRequestMixin) and name in form.fields:
                    # The form's own deep copy of the kept field: the class's field never sees a request's queryset.
                    form.fields[name].queryset = filter_.get_queryset(self.request)
        return self._form


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """An object's id: a whole number, documented as an integer. `NumberFilter` takes any decimal (`?warehouse=2.5`
    matched nothing) and is documented as a number, so a client could not tell that only ids are meant.
    """

    field_class = forms.IntegerField


class _TrueOrFalseField(forms.NullBooleanField):
    _spellings = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        try:
            return self._spellings[str(value).lower()]
        except KeyError:
            raise forms.ValidationError("Enter true or false.", code="invalid") from None


class _RawValueWidget(BooleanWidget):
    # The value as sent, for the field to judge: django-filter's widgets turn any unknown value into "not given".
    def value_from_datadict(self, data, files, name):
        return data.get(name)


class BooleanFilter(django_filters.BooleanFilter):
    """`true` or `false` (also `1`, `0`); anything else is a 400. django-filter reads any other value as "not given",
    so `?is_active=ture` listed everything.
    """

    field_class = _TrueOrFalseField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", _RawValueWidget)
        super().__init__(*args, **kwargs)


class _FormFields(dict):
    """A filter form's `base_fields`, which Django's `Form.__init__` deep-copies for each form: each field is copied
    shallowly instead (its widget, choices and validators are the declaration's, which validating a query string
    never changes), except a model choice field, whose queryset each request's form sets on its own deep copy.
    """

    def __deepcopy__(self, memo):
        return {
            name: copy.deepcopy(field, memo) if isinstance(field, forms.ModelChoiceField) else copy.copy(field)
            for name, field in self.items()
        }


def _copy_filter(filter_):
    copied = copy.copy(filter_)
    if isinstance(copied.__dict__.get("filter"), FilterMethod):
        copied.filter = FilterMethod(copied)  # the declaration's own points at the declaration, not at this copy
    return copied


class OrderingFilter(filters.OrderingFilter):
    """DRF's `?ordering=`, except that a field the route does not offer is a 400 naming the ones it offers.

    DRF drops unknown fields silently, so a typo (`?ordering=prize`) answers in the default order and looks right.
    """

    def remove_invalid_fields(self, queryset, fields, view, request):
        offered = [name for name, _label in self.get_valid_fields(queryset, view, {"request": request})]
        unknown = [term for term in fields if term.removeprefix("-") not in offered]
        if unknown:
            raise ValidationError(
                {self.ordering_param: [f"Unknown ordering field: {', '.join(unknown)}. {_offered(offered)}"]}
            )
        return fields

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        offered = getattr(view, "ordering_fields", None)
        if isinstance(offered, list | tuple):
            names = "|".join(re.escape(name if isinstance(name, str) else name[0]) for name in offered)
            for parameter in parameters:
                parameter["description"] = (
                    f"Comma-separated fields to order by, `-field` for descending. {_offered(offered)}"
                )
                # Empty is the default order; anything else must name offered fields only (else 400).
                parameter["schema"]["pattern"] = f"^(-?({names})(,-?({names}))*)?$"
        return parameters


def _offered(fields) -> str:
    names = ", ".join(name if isinstance(name, str) else name[0] for name in fields)
    return f"Offered: {names}." if names else "This route offers no ordering."


class SearchFilter(filters.SearchFilter):
    """DRF's `?search=` with the same matches, in a shape that trigram indexes can serve.

    DRF ORs `field ILIKE '%term%'` over every search field, through joins for related ones
    (`variant__product__name`). PostgreSQL cannot use an index for an OR whose arms are on different tables, so it
    walks the list's order index and tests every row: seconds over a million movements. Here each related field
    becomes `pk IN (<the ids of this organization's rows whose related field matches>)`, read first (a join
    driven by the related table's trigram index), so every arm of the OR is an index condition on the listed table
    (its primary key, or a trigram index of its own column) and PostgreSQL combines them with a bitmap OR. A term
    that matches more than `related_limit` rows stays a subquery instead: the plain ordered walk finds a page of
    frequent matches quickly.
    """

    related_limit = 500

    def filter_queryset(self, request, queryset, view):
        search_fields = self.get_search_fields(view, request)
        search_terms = self.get_search_terms(request)
        if not search_fields or not search_terms:
            return queryset
        candidates = queryset.model._default_manager.all()
        organization_id = getattr(request.user, "organization_id", None)
        if organization_id and any(field.name == "organization" for field in queryset.model._meta.fields):
            candidates = candidates.filter(organization_id=organization_id)
        conditions = []
        for term in search_terms:
            arms = []
            for field in map(str, search_fields):
                lookup = self.construct_search(field, queryset)
                if LOOKUP_SEP in field.lstrip("^=@$"):
                    arms.append(self._matching(candidates, lookup, term))
                else:
                    arms.append(Q(**{lookup: term}))
            conditions.append(reduce(operator.or_, arms))
        return queryset.filter(reduce(operator.and_, conditions))

    def _matching(self, candidates, lookup: str, term: str) -> Q:
        matching = candidates.filter(**{lookup: term}).order_by().values_list("pk", flat=True).distinct()
        ids = list(matching[: self.related_limit + 1])
        return Q(pk__in=ids if len(ids) <= self.related_limit else matching)
