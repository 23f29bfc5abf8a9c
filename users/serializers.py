from django.conf import settings
from rest_framework import serializers

from core.fields import BoundedTextField
from core.roles import Role
from core.schema import request_examples
from core.serializers import StrictCharField, StrictModelSerializer
from core.tenancy import OrganizationPrimaryKeyRelatedField, UserRefSerializer
from users.assignable import assignable_warehouses
from users.models import Organization, PromotionRequest, User


class OrganizationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name"]


_PROFILE_FIELDS = [
    "id",
    "username",
    "email",
    "first_name",
    "last_name",
    "phone",
    "avatar",
    "role",
    "status",
    "organization",
    "warehouses",
    "is_active",
    "date_joined",
    "last_login",
]


@request_examples(
    Staff_member={
        "username": "sam",
        "email": "sam@example.com",
        "first_name": "Sam",
        "last_name": "Carter",
        "phone": "+44 20 7946 0002",
        "role": "staff",
        "warehouses": [1],
        "is_active": True,
    }
)
class UserSerializer(StrictModelSerializer):
    """A user as admins and managers see them; admins write `role`, `warehouses` and `is_active`."""

    organization = OrganizationRefSerializer(read_only=True)
    warehouses = OrganizationPrimaryKeyRelatedField(
        queryset=assignable_warehouses(), many=True, required=False, help_text="Ids of the user's own warehouses."
    )
    email = serializers.EmailField(required=False, allow_blank=True)

    class Meta:
        model = User
        fields = _PROFILE_FIELDS
        read_only_fields = ["id", "avatar", "status", "organization", "date_joined", "last_login"]


class UserCreateSerializer(UserSerializer):
    password = StrictCharField(write_only=True, style={"input_type": "password"}, trim_whitespace=False)

    class Meta(UserSerializer.Meta):
        fields = [*_PROFILE_FIELDS, "password"]


@request_examples(Profile={"first_name": "Ada", "last_name": "Lovelace", "phone": "+44 20 7946 0001"})
class MeSerializer(StrictModelSerializer):
    """One's own profile. `avatar` takes an image upload (multipart); `null` or an empty value removes it."""

    organization = OrganizationRefSerializer(read_only=True)
    warehouses = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    avatar = serializers.ImageField(required=False, allow_null=True, allow_empty_file=False)
    email = serializers.EmailField(required=False, allow_blank=True)

    class Meta:
        model = User
        fields = _PROFILE_FIELDS
        read_only_fields = [
            "id",
            "username",
            "role",
            "status",
            "organization",
            "warehouses",
            "is_active",
            "date_joined",
            "last_login",
        ]

    def to_internal_value(self, data):
        # A multipart form cannot send null: an empty `avatar` value means "remove it".
        if hasattr(data, "getlist") and data.get("avatar") == "":
            data = data.copy()
            data["avatar"] = None
        return super().to_internal_value(data)

    def validate_avatar(self, avatar):
        if avatar is None:
            return ""
        if avatar.size > settings.AVATAR_MAX_BYTES:
            limit_kb = settings.AVATAR_MAX_BYTES // 1024
            raise serializers.ValidationError(f"The image is too large; the limit is {limit_kb} KB.")
        # A few kilobytes of PNG can decode to hundreds of megapixels: bound what a thumbnail step would load.
        width, height = avatar.image.size  # ImageField opened and verified it, reading the header only
        if width * height > settings.AVATAR_MAX_PIXELS:
            raise serializers.ValidationError(
                f"The image is {width}×{height} pixels; the limit is {settings.AVATAR_MAX_PIXELS} pixels "
                "(AVATAR_MAX_PIXELS)."
            )
        return avatar


class RegisterSerializer(StrictModelSerializer):
    password = StrictCharField(write_only=True, style={"input_type": "password"}, trim_whitespace=False)
    email = serializers.EmailField()
    organization_name = StrictCharField(
        required=False, max_length=200, help_text="Create a new organization with you as its admin."
    )
    join_code = StrictCharField(
        required=False, max_length=32, help_text="Join an existing organization; an admin or manager approves you."
    )

    class Meta:
        model = User
        fields = [
            "username",
            "email",
            "password",
            "phone",
            "first_name",
            "last_name",
            "organization_name",
            "join_code",
        ]

    def validate(self, attrs):
        if bool(attrs.get("organization_name")) == bool(attrs.get("join_code")):
            raise serializers.ValidationError("Give either organization_name (a new organization) or join_code.")
        return attrs


class RegisterResponseSerializer(serializers.Serializer):
    user = MeSerializer()
    access = serializers.CharField(required=False, help_text="Only when a new organization was created.")
    refresh = serializers.CharField(required=False, help_text="Only when a new organization was created.")


class LoginSerializer(serializers.Serializer):
    username = StrictCharField(max_length=150)
    password = StrictCharField(max_length=4096, style={"input_type": "password"}, trim_whitespace=False)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class LoginResponseSerializer(TokenPairSerializer):
    user = MeSerializer()


@request_examples(Logout={"refresh": "<the refresh token from the login>"})
class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField()


@request_examples(Change={"old_password": "stockroom-demo", "new_password": "a-long-new-passphrase"})
class PasswordChangeSerializer(serializers.Serializer):
    old_password = StrictCharField(style={"input_type": "password"}, trim_whitespace=False)
    new_password = StrictCharField(style={"input_type": "password"}, trim_whitespace=False)


@request_examples(Approve_as_staff={"role": "staff", "warehouses": [1]})
class UserApproveSerializer(serializers.Serializer):
    role = serializers.ChoiceField(
        choices=Role.choices,
        required=False,
        help_text="Defaults to the current role (viewer for a registration). Managers may give staff or viewer.",
    )
    warehouses = OrganizationPrimaryKeyRelatedField(
        queryset=assignable_warehouses(),
        many=True,
        required=False,
        help_text="Warehouses to assign. A manager who gives none assigns all of their own.",
    )


class PromotionRequestSerializer(serializers.ModelSerializer):
    user = UserRefSerializer(read_only=True)
    requested_by = UserRefSerializer(read_only=True)
    decided_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = PromotionRequest
        fields = ["id", "user", "requested_by", "reason", "status", "decided_by", "decided_at", "created_at"]
        read_only_fields = fields


class PromotionRequestCreateSerializer(serializers.Serializer):
    user = OrganizationPrimaryKeyRelatedField(
        queryset=User.objects.all(), help_text="A staff member of one of your warehouses."
    )
    reason = BoundedTextField(required=False, allow_blank=True, default="")


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
    label = serializers.CharField()
    capabilities = serializers.ListField(child=serializers.CharField())


@request_examples(Rename={"name": "Acme Trading Ltd"})
class OrganizationSerializer(StrictModelSerializer):
    join_code = serializers.CharField(
        read_only=True, allow_null=True, help_text="Shown to admins only; null for everyone else."
    )

    class Meta:
        model = Organization
        fields = ["id", "name", "join_code", "created_at"]
        read_only_fields = ["id", "join_code", "created_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if getattr(getattr(request, "user", None), "role", None) != Role.ADMIN:
            data["join_code"] = None
        return data
