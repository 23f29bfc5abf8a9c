"""`core.field_copies.ShallowFieldCopies`: each serializer instance still gets fields of its own, bound to it;
only fields whose arguments cannot be changed are copied shallowly.
"""

from rest_framework import serializers

from core.field_copies import ShallowFieldCopies


class Line(ShallowFieldCopies, serializers.Serializer):
    name = serializers.CharField(max_length=5)
    quantity = serializers.IntegerField(min_value=1, default=1)
    kind = serializers.ChoiceField(choices=[("a", "A"), ("b", "B")])
    tags = serializers.ListField(child=serializers.CharField(), default=list)
    extra = serializers.DictField(default=dict)
    seen = serializers.JSONField(default={"first": True})  # a mutable default: never shared


def test_each_instance_gets_its_own_bound_fields_and_validates_as_drf_would():
    one, two = Line(data={"name": "bolt", "kind": "a"}), Line(data={"name": "too long", "kind": "c", "quantity": 0})

    assert one.is_valid() and not two.is_valid()
    assert one.validated_data == {
        "name": "bolt",
        "quantity": 1,
        "kind": "a",
        "tags": [],
        "extra": {},
        "seen": {"first": True},
    }
    assert set(two.errors) == {"name", "kind", "quantity"}
    for name in Line._declared_fields:
        field, other, declared = one.fields[name], two.fields[name], Line._declared_fields[name]
        assert field is not other and field is not declared
        assert (field.parent, other.parent, field.field_name) == (one, two, name)
        assert getattr(declared, "parent", None) is None  # the declared field is never bound


def test_fields_holding_children_or_mutable_arguments_are_deep_copied():
    one, two = Line(), Line()

    assert one.fields["tags"].child is not two.fields["tags"].child  # each child bound to its own list field
    assert one.fields["tags"].child.parent is one.fields["tags"]
    assert one.fields["seen"].default is not two.fields["seen"].default is not Line._declared_fields["seen"].default
    assert one.fields["name"].validators is two.fields["name"].validators  # built by `__init__`, never changed after
