from django.apps import AppConfig


class PurchasesConfig(AppConfig):
    name = "purchases"

    def ready(self):
        from purchases.selectors import purchase_order_total_differences
        from stock import integrity

        # check_stock_integrity also checks each order's kept total against its lines (a seam stock declares).
        integrity.register("purchase_order_totals", purchase_order_total_differences)
