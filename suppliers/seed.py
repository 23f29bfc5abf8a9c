"""Demo suppliers, each the default supplier of a few categories' products (`ctx["supplier_of_category"]`, which the
catalog's seed reads: suppliers sit on a lower floor than the catalog and seed before it).
"""

from suppliers.services import supplier_create

SUPPLIERS = [
    {
        "name": "Harbour Foods Ltd",
        "contact_name": "Maria Lopez",
        "email": "orders@harbourfoods.example",
        "phone": "+1 555 0101",
        "address": "14 Dock Street, Port City",
        "notes": "Delivers Tuesdays and Fridays. Net 30.",
        "categories": ["Beverages", "Snacks"],
    },
    {
        "name": "Green Valley Dairy",
        "contact_name": "Tom Becker",
        "email": "sales@greenvalley.example",
        "phone": "+1 555 0102",
        "address": "Farm Road 7, Green Valley",
        "notes": "Chilled delivery, order by 2 pm for next-day.",
        "categories": ["Dairy", "Bakery"],
    },
    {
        "name": "CleanCo Supplies",
        "contact_name": "Aisha Khan",
        "email": "aisha@cleanco.example",
        "phone": "+1 555 0103",
        "address": "200 Industrial Park",
        "notes": "Minimum order 150.00.",
        "categories": ["Household", "Personal Care"],
    },
    {
        "name": "Office Depot Wholesale",
        "contact_name": "James O'Neil",
        "email": "wholesale@officedepot.example",
        "phone": "+1 555 0104",
        "address": "55 Commerce Avenue",
        "notes": "",
        "categories": ["Stationery"],
    },
    {
        "name": "Voltage Electronics",
        "contact_name": "Lin Wei",
        "email": "b2b@voltage.example",
        "phone": "+1 555 0105",
        "address": "9 Circuit Lane",
        "notes": "Two-year warranty on all devices.",
        "categories": ["Electronics", "Apparel"],
    },
    {
        "name": "Northwind Traders",
        "contact_name": "Nancy Davolio",
        "email": "nancy@northwind.example",
        "phone": "+1 555 0106",
        "address": "507 20th Ave E, Seattle",
        "notes": "Backup supplier for snacks and beverages.",
        "categories": [],
    },
]


def seed(ctx: dict) -> None:
    organization = ctx["organization"]
    suppliers, supplier_of_category = [], {}
    for spec in SUPPLIERS:
        data = {key: value for key, value in spec.items() if key != "categories"}
        supplier = supplier_create(organization=organization, data=data)
        supplier_of_category.update(dict.fromkeys(spec["categories"], supplier))
        suppliers.append(supplier)
    ctx["suppliers"] = suppliers
    ctx["supplier_of_category"] = supplier_of_category
    ctx["log"](f"Suppliers: {len(suppliers)}.")
