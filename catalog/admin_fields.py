"""A variant's attributes edited in the admin as key/value rows instead of raw JSON."""

import json

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

EMPTY_ROWS = 3


class KeyValueWidget(forms.Widget):
    """One row of two text inputs per attribute, and a few empty rows to add more."""

    def format_value(self, value):
        if isinstance(value, str):
            try:
                value = json.loads(value or "{}")
            except ValueError:
                return []
        return list((value or {}).items())

    def render(self, name, value, attrs=None, renderer=None):
        rows = [*self.format_value(value), *[("", "")] * EMPTY_ROWS]
        cells = format_html_join(
            "",
            '<tr><td><input type="text" name="{0}_key_{1}" value="{2}" aria-label="key" size="16"></td>'
            '<td><input type="text" name="{0}_value_{1}" value="{3}" aria-label="value" size="24"></td></tr>',
            ((name, index, key, item) for index, (key, item) in enumerate(rows)),
        )
        header = mark_safe("<thead><tr><th>key</th><th>value</th></tr></thead>")  # noqa: S308 - a constant
        return format_html('<table class="key-value">{}<tbody>{}</tbody></table>', header, cells)

    def value_from_datadict(self, data, files, name):
        if name in data:  # a raw JSON object, as a script or an older form posts it
            return data[name]
        pairs, index = {}, 0
        while f"{name}_key_{index}" in data:
            key = data[f"{name}_key_{index}"].strip()
            if key:
                pairs[key] = data.get(f"{name}_value_{index}", "").strip()
            index += 1
        return pairs

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}_key_0" not in data


class AttributesField(forms.Field):
    """A flat object of strings: `{"size": "M", "colour": "navy"}`."""

    widget = KeyValueWidget

    def to_python(self, value):
        if isinstance(value, str):
            try:
                value = json.loads(value or "{}")
            except ValueError:
                raise forms.ValidationError("Enter the attributes as key/value rows.") from None
        if not isinstance(value, dict):
            raise forms.ValidationError("Enter the attributes as key/value rows.")
        return {str(key): str(item) for key, item in value.items()}

    def prepare_value(self, value):
        return value

    def has_changed(self, initial, data):
        return self.to_python(initial or {}) != self.to_python(data or {})
