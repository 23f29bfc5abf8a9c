"""Demo catalog: nine categories and 56 products, some with several variants, some perishable.

Expiration dates are relative to today, so the demo always has expired products and products expiring soon.
Default suppliers are added by `suppliers/seed.py`, which runs after this one.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from catalog.models import Variant
from catalog.services import category_create, product_create
from core.roles import Role

CATEGORIES = {
    "Beverages": "Coffee, tea, juices and soft drinks",
    "Snacks": "Chips, nuts, biscuits and chocolate",
    "Dairy": "Milk, yoghurt, cheese and butter (perishable)",
    "Bakery": "Bread and pastries (perishable)",
    "Household": "Cleaning and kitchen supplies",
    "Personal Care": "Soap, shampoo and dental care",
    "Stationery": "Paper, pens and office supplies",
    "Electronics": "Cables, chargers and small devices",
    "Apparel": "Work and promotional clothing",
}

# (name, category, price, cost, reorder level, expires in days or None, variants: [(sku suffix, attributes, price)])
PRODUCTS = [
    ("Espresso Beans 1 kg", "Beverages", "18.50", "11.20", 10, 300, None),
    ("Green Tea 50 bags", "Beverages", "4.20", "2.10", 20, 400, None),
    (
        "Orange Juice",
        "Beverages",
        "2.90",
        "1.40",
        24,
        12,
        [("1L", {"size": "1 l"}, "2.90"), ("2L", {"size": "2 l"}, "4.90")],
    ),
    (
        "Sparkling Water",
        "Beverages",
        "0.80",
        "0.30",
        48,
        365,
        [("05", {"size": "0.5 l"}, "0.80"), ("15", {"size": "1.5 l"}, "1.20")],
    ),
    ("Cola 330 ml", "Beverages", "1.10", "0.45", 48, 200, None),
    ("Hot Chocolate Mix", "Beverages", "5.60", "3.00", 10, 250, None),
    ("Instant Coffee 200 g", "Beverages", "7.90", "4.60", 12, 500, None),
    ("Salted Potato Chips", "Snacks", "1.99", "0.85", 30, 120, None),
    ("Roasted Almonds 250 g", "Snacks", "4.50", "2.70", 15, 180, None),
    ("Dark Chocolate 70%", "Snacks", "2.40", "1.10", 25, 240, None),
    ("Oat Cookies", "Snacks", "3.10", "1.60", 20, -5, None),
    (
        "Granola Bar",
        "Snacks",
        "0.99",
        "0.40",
        60,
        90,
        [("NUT", {"flavour": "nuts"}, "0.99"), ("BER", {"flavour": "berries"}, "0.99")],
    ),
    ("Pretzels 200 g", "Snacks", "1.79", "0.80", 20, 150, None),
    ("Trail Mix", "Snacks", "3.60", "2.00", 10, 20, None),
    ("Whole Milk 1 L", "Dairy", "1.15", "0.70", 40, 6, None),
    ("Greek Yoghurt 500 g", "Dairy", "2.80", "1.50", 20, -2, None),
    ("Cheddar Cheese 400 g", "Dairy", "5.40", "3.20", 12, 45, None),
    ("Salted Butter 250 g", "Dairy", "2.60", "1.60", 15, 25, None),
    ("Mozzarella 125 g", "Dairy", "1.50", "0.80", 20, 9, None),
    ("Cream Cheese", "Dairy", "2.20", "1.20", 10, -10, None),
    ("Sourdough Loaf", "Bakery", "4.00", "1.80", 10, 3, None),
    ("Butter Croissant", "Bakery", "1.30", "0.55", 30, 1, None),
    ("Rye Bread", "Bakery", "3.20", "1.50", 10, -1, None),
    ("Bagels 4 pack", "Bakery", "2.90", "1.30", 12, 5, None),
    ("Dish Soap 500 ml", "Household", "2.50", "1.10", 15, None, None),
    ("Paper Towels 4 rolls", "Household", "4.80", "2.60", 20, None, None),
    ("All-Purpose Cleaner", "Household", "3.40", "1.70", 12, None, None),
    ("Trash Bags 30 L", "Household", "3.90", "2.00", 15, None, None),
    ("Sponges 5 pack", "Household", "1.99", "0.70", 25, None, None),
    (
        "Laundry Detergent",
        "Household",
        "11.90",
        "7.20",
        8,
        None,
        [("2L", {"size": "2 l"}, "11.90"), ("5L", {"size": "5 l"}, "24.50")],
    ),
    ("Aluminium Foil 30 m", "Household", "3.20", "1.60", 10, None, None),
    ("Hand Soap 300 ml", "Personal Care", "2.30", "1.00", 20, 700, None),
    ("Shampoo 400 ml", "Personal Care", "4.90", "2.40", 12, 900, None),
    ("Toothpaste 75 ml", "Personal Care", "2.10", "0.90", 25, 600, None),
    ("Toothbrush Medium", "Personal Care", "1.80", "0.60", 30, None, None),
    ("Deodorant Spray", "Personal Care", "3.70", "1.90", 15, 800, None),
    ("Sunscreen SPF 50", "Personal Care", "9.90", "5.50", 8, 28, None),
    ("A4 Copy Paper 500 sheets", "Stationery", "5.50", "3.40", 20, None, None),
    (
        "Ballpoint Pens 10 pack",
        "Stationery",
        "3.20",
        "1.20",
        15,
        None,
        [
            ("BLU", {"colour": "blue"}, "3.20"),
            ("BLK", {"colour": "black"}, "3.20"),
            ("RED", {"colour": "red"}, "3.40"),
        ],
    ),
    (
        "Notebook A5",
        "Stationery",
        "2.80",
        "1.10",
        20,
        None,
        [("RUL", {"ruling": "lined"}, "2.80"), ("DOT", {"ruling": "dotted"}, "3.00")],
    ),
    ("Sticky Notes", "Stationery", "1.60", "0.60", 25, None, None),
    ("Stapler", "Stationery", "6.90", "3.50", 5, None, None),
    ("Highlighters 4 pack", "Stationery", "3.90", "1.70", 10, None, None),
    ("Desk Organizer", "Stationery", "12.50", "6.80", 4, None, None),
    (
        "USB-C Cable 1 m",
        "Electronics",
        "8.90",
        "3.20",
        15,
        None,
        [("1M", {"length": "1 m"}, "8.90"), ("2M", {"length": "2 m"}, "11.90")],
    ),
    ("Wall Charger 20 W", "Electronics", "19.90", "9.80", 8, None, None),
    ("AA Batteries 8 pack", "Electronics", "6.50", "3.10", 20, 1800, None),
    ("Wireless Mouse", "Electronics", "24.90", "12.40", 5, None, None),
    ("LED Desk Lamp", "Electronics", "34.00", "17.50", 3, None, None),
    ("Power Strip 4 outlets", "Electronics", "14.90", "7.30", 6, None, None),
    ("Earbuds", "Electronics", "29.00", "13.90", 5, None, None),
    (
        "Work T-shirt",
        "Apparel",
        "12.00",
        "5.20",
        10,
        None,
        [
            ("S", {"size": "S"}, "12.00"),
            ("M", {"size": "M"}, "12.00"),
            ("L", {"size": "L"}, "12.00"),
            ("XL", {"size": "XL"}, "13.00"),
        ],
    ),
    (
        "Fleece Jacket",
        "Apparel",
        "39.00",
        "21.00",
        4,
        None,
        [("M", {"size": "M"}, "39.00"), ("L", {"size": "L"}, "39.00")],
    ),
    ("Baseball Cap", "Apparel", "9.50", "3.80", 8, None, None),
    (
        "Safety Gloves",
        "Apparel",
        "5.90",
        "2.40",
        15,
        None,
        [("M", {"size": "M"}, "5.90"), ("L", {"size": "L"}, "5.90")],
    ),
    ("Warehouse Apron", "Apparel", "14.50", "6.90", 5, None, None),
]


def ean13(number: int) -> str:
    """A valid EAN-13 in the 200-299 range (for in-store use), with its check digit."""
    body = f"2{number:011d}"
    total = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _sku(name: str) -> str:
    words = [word for word in name.upper().replace("-", " ").split() if word.isalnum()]
    return "-".join(word[:4] for word in words[:3])


def seed(ctx: dict) -> None:
    organization = ctx["organization"]
    admin = ctx["users"][Role.ADMIN]
    today = timezone.localdate()
    categories = {
        name: category_create(organization=organization, name=name, description=description)
        for name, description in CATEGORIES.items()
    }
    products = []
    barcode = 1000
    for name, category, price, cost, reorder_level, expires_in, variants in PRODUCTS:
        sku = _sku(name)
        specs = []
        for suffix, attributes, variant_price in variants or [("", {}, price)]:
            barcode += 1
            specs.append(
                {
                    "sku": f"{sku}-{suffix}" if suffix else sku,
                    "barcode": ean13(barcode),
                    "attributes": attributes,
                    "price": Decimal(variant_price),
                    "cost": (Decimal(cost) * Decimal(variant_price) / Decimal(price)).quantize(Decimal("0.01")),
                    "reorder_level": reorder_level,
                }
            )
        expiration_date = today + timedelta(days=expires_in) if expires_in is not None else None
        data = {"name": name, "category": categories[category], "expiration_date": expiration_date}
        data["supplier"] = ctx.get("supplier_of_category", {}).get(category)
        products.append(product_create(organization=organization, by=admin, data=data, variants=specs))
    ctx["categories"] = list(categories.values())
    ctx["products"] = products
    ctx["variants"] = list(Variant.objects.filter(organization=organization).order_by("pk"))
    ctx["log"](f"Catalog: {len(categories)} categories, {len(products)} products, {len(ctx['variants'])} variants.")
