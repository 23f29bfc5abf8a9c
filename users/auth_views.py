"""Registration, login, token refresh and logout, and one's own profile and password."""

from django.contrib.auth import update_session_auth_hash
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenRefreshView

from core.throttles import AnonRateThrottle
from users import services
from users.models import UserStatus
from users.serializers import (
    LoginResponseSerializer,
    LoginSerializer,
    LogoutSerializer,
    MeSerializer,
    PasswordChangeSerializer,
    RegisterResponseSerializer,
    RegisterSerializer,
    TokenPairSerializer,
)
from users.throttles import LOGIN_THROTTLES

_ERROR_401 = OpenApiResponse(description="Missing, invalid, expired or revoked credentials.")

# --- Auth ---------------------------------------------------------------------------------------------------------


class RegisterView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle]

    @extend_schema(
        summary="Register",
        description=(
            "With `organization_name`: creates the organization with you as its active admin and returns tokens. "
            "With `join_code`: creates a pending viewer in that organization and no tokens; you can log in once "
            "an admin (or a manager) approves you."
        ),
        request=RegisterSerializer,
        responses={201: RegisterResponseSerializer},
        auth=[],
        examples=[
            OpenApiExample(
                "New organization",
                request_only=True,
                value={
                    "username": "alice",
                    "email": "alice@example.com",
                    "password": "a-long-passphrase",
                    "organization_name": "Acme Trading",
                },
            ),
            OpenApiExample(
                "Join an organization",
                request_only=True,
                value={
                    "username": "bob",
                    "email": "bob@example.com",
                    "password": "another-passphrase",
                    "phone": "+44 20 7946 0000",
                    "join_code": "n3Vq8xZk2pLw",
                },
            ),
        ],
    )
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_register(**serializer.validated_data)
        body = {"user": MeSerializer(user, context={"request": request}).data}
        if user.status == UserStatus.ACTIVE:
            body.update(services.user_tokens_issue(user=user))
        return Response(body, status=status.HTTP_201_CREATED)


class LoginView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle, *LOGIN_THROTTLES]

    def get_authenticate_header(self, request):
        # Without authentication classes DRF would turn a failed login into a 403; a challenge keeps it a 401.
        return 'Bearer realm="api"'

    @extend_schema(
        summary="Log in",
        description="Returns a JWT pair and the profile. At most 10 attempts a minute per username (429).",
        request=LoginSerializer,
        responses={
            200: LoginResponseSerializer,
            401: OpenApiResponse(description="Wrong credentials, or a dismissed user."),
            403: OpenApiResponse(description="`account_pending`: right credentials, but not approved yet."),
            429: OpenApiResponse(description="`throttled`: too many attempts; see `Retry-After`."),
        },
        auth=[],
        examples=[
            OpenApiExample(
                "Credentials", request_only=True, value={"username": "alice", "password": "a-long-passphrase"}
            )
        ],
    )
    def post(self, request):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user, tokens = services.user_login(**serializer.validated_data, request=request)
        return Response({**tokens, "user": MeSerializer(user, context={"request": request}).data})


@extend_schema_view(
    post=extend_schema(
        summary="Refresh tokens",
        description="Returns a new access token and a new refresh token; the refresh token sent is blacklisted. "
        "Call it when a request answers 401 because the access token has expired (after `JWT_ACCESS_MINUTES`, "
        "5 by default); a refresh token lasts `JWT_REFRESH_DAYS` (7).",
        examples=[OpenApiExample("Refresh", value={"refresh": "<the refresh token>"}, request_only=True)],
        responses={
            200: TokenPairSerializer,
            401: OpenApiResponse(
                description="`authentication_failed`: the refresh token is invalid, expired or already used."
            ),
        },
    )
)
class RefreshView(TokenRefreshView):
    pass


class LogoutView(APIView):
    @extend_schema(
        summary="Log out",
        description="Blacklists the given refresh token (one of yours); it can no longer be used.",
        request=LogoutSerializer,
        responses={204: None, 401: _ERROR_401},
    )
    def post(self, request):
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_logout(user=request.user, refresh=serializer.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Own profile --------------------------------------------------------------------------------------------------


class MeView(APIView):
    @extend_schema(
        summary="Your profile",
        description="Who you are: role, status, organization and the ids of your warehouses.",
        responses=MeSerializer,
    )
    def get(self, request):
        return Response(MeSerializer(request.user, context={"request": request}).data)

    @extend_schema(
        summary="Update your profile",
        description="JSON, or multipart to upload `avatar` (an image; other files → 400).",
        request={"application/json": MeSerializer, "multipart/form-data": MeSerializer},
        responses=MeSerializer,
    )
    def patch(self, request):
        serializer = MeSerializer(request.user, data=request.data, partial=True, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = services.user_profile_update(user=request.user, **serializer.validated_data)
        return Response(MeSerializer(user, context={"request": request}).data)


class MePasswordView(APIView):
    @extend_schema(
        summary="Change your password",
        description="Needs the current password; the new one must pass the password rules (400 otherwise).",
        request=PasswordChangeSerializer,
        responses={204: None, 400: OpenApiResponse(description="Wrong old password, or a weak new one.")},
    )
    def post(self, request):
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_password_change(user=request.user, **serializer.validated_data)
        if getattr(request, "session", None) is not None and request.session.session_key:
            update_session_auth_hash(request._request, user)  # keep a browsable-API session logged in
        return Response(status=status.HTTP_204_NO_CONTENT)
