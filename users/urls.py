from django.urls import path
from rest_framework.routers import DefaultRouter

from users import auth_views, views

app_name = "users"

router = DefaultRouter()
router.register("users", views.UserViewSet, basename="user")
router.register("promotion-requests", views.PromotionRequestViewSet, basename="promotion-request")

urlpatterns = [
    path("auth/register/", auth_views.RegisterView.as_view(), name="auth-register"),
    path("auth/login/", auth_views.LoginView.as_view(), name="auth-login"),
    path("auth/refresh/", auth_views.RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout/", auth_views.LogoutView.as_view(), name="auth-logout"),
    # Before the router, whose `users/<pk>/` pattern would otherwise take "me".
    path("users/me/", auth_views.MeView.as_view(), name="user-me"),
    path("users/me/password/", auth_views.MePasswordView.as_view(), name="user-me-password"),
    path("roles/", views.RolesView.as_view(), name="role-list"),
    path("organization/", views.OrganizationView.as_view(), name="organization-detail"),
    path("organization/rotate-join-code/", views.RotateJoinCodeView.as_view(), name="organization-rotate-join-code"),
    *router.urls,
]
