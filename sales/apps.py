from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "sales"

    def ready(self):
        from sales import notifications  # noqa: F401 - registers the outbox handlers of sales events
        from sales.selectors import sales_order_total_differences
        from stock import integrity

        # check_stock_integrity also checks each order's kept total against its lines (a seam stock declares).
        integrity.register("sales_order_totals", sales_order_total_differences)
