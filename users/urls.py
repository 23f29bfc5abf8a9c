from django.urls import path
from rest_framework.routers import DefaultRouter

from users import views

app_name = "users"

router = DefaultRouter()
router.register("users", views.UserViewSet, basename="user")
router.register("promotion-requests", views.PromotionRequestViewSet, basename="promotion-request")

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="auth-register"),
    path("auth/login/", views.LoginView.as_view(), name="auth-login"),
    path("auth/refresh/", views.RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout/", views.LogoutView.as_view(), name="auth-logout"),
    # Before the router, whose `users/<pk>/` pattern would otherwise take "me".
    path("users/me/", views.MeView.as_view(), name="user-me"),
    path("users/me/password/", views.MePasswordView.as_view(), name="user-me-password"),
    path("roles/", views.RolesView.as_view(), name="role-list"),
    path("organization/", views.OrganizationView.as_view(), name="organization-detail"),
    path("organization/rotate-join-code/", views.RotateJoinCodeView.as_view(), name="organization-rotate-join-code"),
    *router.urls,
]
