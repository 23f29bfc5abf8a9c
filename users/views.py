"""User management (admins and managers), promotion requests, the roles and the organization."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from core.roles import ADMIN_MANAGER, ADMIN_ONLY, CAPABILITIES, Role
from users import selectors, services
from users.filters import PromotionRequestFilter, UserFilter
from users.models import PromotionRequest, User
from users.serializers import (
    OrganizationSerializer,
    PromotionRequestCreateSerializer,
    PromotionRequestSerializer,
    RoleSerializer,
    UserApproveSerializer,
    UserCreateSerializer,
    UserSerializer,
)

_ERROR_403 = OpenApiResponse(description="Your role (or your warehouses) do not allow this.")
_LAST_ADMIN = OpenApiResponse(
    description="`conflict`: the change would leave the organization without an active admin."
)
_ERROR_409 = OpenApiResponse(description="The user or request is not in a state that allows this.")

# --- User management ----------------------------------------------------------------------------------------------


class _DetailAcrossOrganizationMixin:
    """Look objects up across the caller's organization, then answer 403 for ones outside the caller's scope.

    The contract keeps 404 for missing objects and other organizations; a colleague outside one's warehouses is
    "not allowed" (403), not "missing".
    """

    def get_object(self):
        obj = super().get_object()
        if self.action == "retrieve" and not self.is_visible(obj):
            raise PermissionDenied("This is outside your warehouses.")
        return obj


@extend_schema_view(
    list=extend_schema(summary="List users", description="Admins: all users. Managers: own warehouses + pending."),
    retrieve=extend_schema(summary="A user"),
    create=extend_schema(
        summary="Create a user",
        description="Creates an active user in your organization. Django's password validators apply.",
        request=UserCreateSerializer,
        responses={201: UserSerializer},
        examples=[
            OpenApiExample(
                "Staff member",
                request_only=True,
                value={
                    "username": "carol",
                    "email": "carol@example.com",
                    "password": "a-long-passphrase",
                    "role": "staff",
                    "warehouses": [1],
                },
            )
        ],
    ),
    update=extend_schema(
        summary="Replace a user",
        description="Setting `is_active` false dismisses the user.",
        responses={200: UserSerializer, 409: _LAST_ADMIN},
    ),
    partial_update=extend_schema(
        summary="Update a user",
        description="Setting `is_active` false dismisses the user.",
        responses={200: UserSerializer, 409: _LAST_ADMIN},
    ),
)
class UserViewSet(
    _DetailAcrossOrganizationMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = UserSerializer
    filterset_class = UserFilter
    search_fields = ["username", "email", "first_name", "last_name"]
    ordering_fields = ["username", "date_joined", "role", "status", "last_login"]
    action_roles = {
        "list": ADMIN_MANAGER,
        "retrieve": ADMIN_MANAGER,
        "create": ADMIN_ONLY,
        "update": ADMIN_ONLY,
        "partial_update": ADMIN_ONLY,
        "approve": ADMIN_MANAGER,
        "dismiss": ADMIN_MANAGER,
        "demote": ADMIN_ONLY,
    }
    default_roles = ADMIN_ONLY

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return User.objects.none()
        if self.action == "list":
            return selectors.user_list(by=self.request.user)
        return selectors.user_shaped(User.objects.filter(organization_id=self.request.user.organization_id))

    def get_serializer_class(self):
        return UserCreateSerializer if self.action == "create" else UserSerializer

    def is_visible(self, user):
        return self.request.user.role == Role.ADMIN or selectors.user_visible_to(by=self.request.user, user=user)

    def perform_create(self, serializer):
        serializer.instance = services.user_create(
            organization=self.request.user.organization, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.user_update(
            user=serializer.instance, by=self.request.user, **serializer.validated_data
        )

    def _respond(self, user):
        user = selectors.user_shaped(User.objects.filter(pk=user.pk)).get()
        return Response(UserSerializer(user, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Approve a pending user",
        description=(
            "Admins: any role, any warehouse. Managers: staff or viewer, into their own warehouses only (403 "
            "otherwise); without `warehouses`, into all of theirs."
        ),
        request=UserApproveSerializer,
        responses={200: UserSerializer, 403: _ERROR_403, 409: _ERROR_409},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        user = self.get_object()
        serializer = UserApproveSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return self._respond(services.user_approve(user=user, by=request.user, **serializer.validated_data))

    @extend_schema(
        summary="Dismiss a user",
        description="The user can no longer log in, and their existing tokens stop working at once.",
        request=None,
        responses={200: UserSerializer, 403: _ERROR_403, 409: _ERROR_409},
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        return self._respond(services.user_dismiss(user=self.get_object(), by=request.user))

    @extend_schema(
        summary="Demote a manager to staff",
        description="The user keeps their warehouses, as staff. 409 unless the user is a manager.",
        request=None,
        responses={200: UserSerializer, 403: _ERROR_403, 409: _ERROR_409},
    )
    @action(detail=True, methods=["post"])
    def demote(self, request, pk=None):
        return self._respond(services.user_demote(user=self.get_object(), by=request.user))


@extend_schema_view(
    list=extend_schema(summary="List promotion requests", description="Admins: all. Managers: the ones they made."),
    retrieve=extend_schema(summary="A promotion request"),
)
class PromotionRequestViewSet(
    _DetailAcrossOrganizationMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = PromotionRequestSerializer
    filterset_class = PromotionRequestFilter
    search_fields = ["user__username", "reason"]
    ordering_fields = ["created_at", "decided_at", "status"]
    action_roles = {
        "list": ADMIN_MANAGER,
        "retrieve": ADMIN_MANAGER,
        "create": frozenset({Role.MANAGER}),
        "approve": ADMIN_ONLY,
        "reject": ADMIN_ONLY,
    }
    default_roles = ADMIN_ONLY

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PromotionRequest.objects.none()
        if self.action == "list":
            return selectors.promotion_request_list(by=self.request.user)
        return PromotionRequest.objects.filter(organization_id=self.request.user.organization_id).select_related(
            "user", "requested_by", "decided_by"
        )

    def is_visible(self, promotion_request):
        user = self.request.user
        return user.role == Role.ADMIN or promotion_request.requested_by_id == user.pk

    @extend_schema(
        summary="Request a promotion to manager",
        description="Managers only, for a staff member of one of their warehouses.",
        request=PromotionRequestCreateSerializer,
        responses={201: PromotionRequestSerializer, 403: _ERROR_403, 409: _ERROR_409},
        examples=[
            OpenApiExample(
                "Promote a staff member",
                request_only=True,
                value={"user": 7, "reason": "Runs the night shift on her own since March."},
            )
        ],
    )
    def create(self, request):
        serializer = PromotionRequestCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        promotion_request = services.promotion_request_create(by=request.user, **serializer.validated_data)
        data = PromotionRequestSerializer(promotion_request, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Approve a promotion request",
        description="Admins only. The user becomes a manager of the warehouses they already have.",
        request=None,
        responses={200: PromotionRequestSerializer, 403: _ERROR_403, 409: _ERROR_409},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        promotion_request = services.promotion_request_approve(promotion_request=self.get_object(), by=request.user)
        return Response(PromotionRequestSerializer(promotion_request, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Reject a promotion request",
        description="Admins only.",
        request=None,
        responses={200: PromotionRequestSerializer, 403: _ERROR_403, 409: _ERROR_409},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        promotion_request = services.promotion_request_reject(promotion_request=self.get_object(), by=request.user)
        return Response(PromotionRequestSerializer(promotion_request, context=self.get_serializer_context()).data)


# --- Roles and organization ---------------------------------------------------------------------------------------


class RolesView(APIView):
    @extend_schema(
        summary="Roles and what each may do",
        description="The role matrix, for front ends that show or hide actions by role.",
        responses=RoleSerializer(many=True),
    )
    def get(self, request):
        roles = [{"role": role.value, "label": role.label, "capabilities": CAPABILITIES[role]} for role in Role]
        return Response(RoleSerializer(roles, many=True).data)


class OrganizationView(APIView):
    default_roles = ADMIN_ONLY

    @extend_schema(
        summary="Your organization",
        description="`join_code` (what a new colleague registers with) is shown to admins only.",
        responses=OrganizationSerializer,
    )
    def get(self, request):
        return Response(OrganizationSerializer(request.user.organization, context={"request": request}).data)

    @extend_schema(
        summary="Rename your organization",
        description="Admins only.",
        request=OrganizationSerializer,
        responses={200: OrganizationSerializer, 403: _ERROR_403},
    )
    def patch(self, request):
        organization = request.user.organization
        serializer = OrganizationSerializer(organization, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if serializer.validated_data:
            organization = services.organization_update(
                organization=organization, by=request.user, **serializer.validated_data
            )
        return Response(OrganizationSerializer(organization, context={"request": request}).data)


class RotateJoinCodeView(APIView):
    default_roles = ADMIN_ONLY

    @extend_schema(
        summary="Rotate the join code",
        description="Admins only. The old code stops working at once.",
        request=None,
        responses={200: OrganizationSerializer, 403: _ERROR_403},
    )
    def post(self, request):
        organization = services.organization_rotate_join_code(organization=request.user.organization, by=request.user)
        return Response(OrganizationSerializer(organization, context={"request": request}).data)
