from django.apps import AppConfig


class StockConfig(AppConfig):
    name = "stock"

    def ready(self):
        # The catalog shows stock through a seam it declares (catalog.stock_figures): stock fills it, so the import
        # points down a floor.
        from catalog import stock_figures
        from catalog.selectors import product_min_price_differences
        from stock import integrity
        from stock.figures import CATALOG_FIGURES
        from stock.kept import movement_day_differences
        from stock.totals import differences as stock_total_differences

        stock_figures.provide(CATALOG_FIGURES)
        # check_stock_integrity also checks each product's kept lowest price: the catalog keeps it but sits below
        # the stock app, so the check is registered from here.
        integrity.register("product_min_prices", product_min_price_differences)
        # and the dashboard's kept units per warehouse, day and reason against the movements (decision 0023).
        integrity.register("movement_day_figures", movement_day_differences)
        # and the stock totals per warehouse, category and expiration date against the levels (decision 0024).
        integrity.register("stock_totals", stock_total_differences)
