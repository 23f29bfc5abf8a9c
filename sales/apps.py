from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "sales"

    def ready(self):
        from sales import (
            kept,
            kept_products,
            notifications,  # noqa: F401 - registers the outbox handlers of sales events
        )
        from sales.selectors import sales_order_total_differences
        from stock import integrity
        from stock import kept as stock_kept

        # check_stock_integrity also checks each order's kept total against its lines, and the dashboard's kept
        # sales figures against the orders and the ledger (a seam stock declares); the stock task folds the latter.
        integrity.register("sales_order_totals", sales_order_total_differences)
        integrity.register("sales_day_figures", kept_products.with_sales_differences(kept.differences))
        stock_kept.register_compaction(kept.compact)
        stock_kept.register_compaction(kept_products.compact)
