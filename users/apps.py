from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "users"

    def ready(self):
        from users import signals  # noqa: F401  (connects the auth version's receivers)
