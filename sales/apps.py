from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "sales"

    def ready(self):
        from sales import notifications  # noqa: F401 - registers the outbox handlers of sales events
