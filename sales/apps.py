from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "sales"

    def ready(self):
        from sales import kept, notifications  # noqa: F401 - registers the outbox handlers of sales events
        from stock import kept as stock_kept

        # check_stock_integrity verifies the kept sales figures too, and the stock task folds them with its own.
        stock_kept.register(check=kept.differences, compact=kept.compact)
