from core.exceptions import DomainError


class InsufficientStock(DomainError):
    """Raised with every short (variant, warehouse) at once, so a client can fix all lines in one go."""

    default_code = "insufficient_stock"
    default_detail = "Not enough stock."

    def __init__(self, lines: list[dict]):
        skus = ", ".join(
            f"{line['sku']} ({line['requested']} requested, {line['available']} available)" for line in lines
        )
        super().__init__(f"Not enough stock for: {skus}.", lines=lines)
        self.lines = lines


class StockLimitExceeded(DomainError):
    """A level would grow past what the database column holds; nothing was written."""

    default_code = "conflict"
    default_detail = "This change would take a stock level beyond the largest quantity that can be stored."
