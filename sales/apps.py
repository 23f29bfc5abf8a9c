from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "sales"

    def ready(self):
        from sales import kept, notifications  # noqa: F401 - registers the outbox handlers of sales events
        from stock.kept import register_check

        register_check(kept.differences)  # check_stock_integrity verifies the kept sales figures too
