from django.apps import AppConfig


class StockConfig(AppConfig):
    name = "stock"

    def ready(self):
        # The catalog shows stock through a seam it declares (catalog.stock_figures): stock fills it, so the import
        # points down a floor.
        from catalog import stock_figures
        from stock.figures import CATALOG_FIGURES

        stock_figures.provide(CATALOG_FIGURES)
