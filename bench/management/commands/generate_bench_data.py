"""Generate one large organization for benchmarks, consistent with the ledger, with PostgreSQL COPY.

Default scale: 10,000 products / 20,000 variants, 5 warehouses, 100,000 stock levels, 1,000,000 movements over
12 months, with the purchase orders, sales orders and adjustments that caused them. Every level equals the sum
of its movements and every `balance_after` is the running balance, so `check_stock_integrity` passes on it.

This writes tables directly instead of going through the ledger service: a million locked single-row
transactions would take hours, and the point here is data the ledger *would* have written. Ids are assigned
here so references (movement → order, adjustment → movement) are known before the rows are copied.
"""

import random
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from tqdm import tqdm

from catalog.models import Category, Product, Variant
from core.models import DocumentSequence
from purchases.models import PurchaseOrder, PurchaseOrderItem
from sales.models import SalesOrder, SalesOrderItem
from stock.models import StockAdjustment, StockLevel, StockMovement
from suppliers.models import Supplier
from users.models import Organization, User
from warehouses.models import Warehouse

ORG_NAME = "Bench Co"
PASSWORD = "bench-password"


# Tables written here besides the bulk ones, vacuumed and analyzed with them.
SMALL_TABLES = ["catalog_category", "suppliers_supplier", "users_user", "core_documentsequence"]

# The tables COPY fills. Their foreign keys, unique constraints and secondary indexes are dropped before loading and
# re-created afterwards, inside the same transaction.
BULK_TABLES = [
    "catalog_product",
    "catalog_variant",
    "stock_stocklevel",
    "stock_stockmovement",
    "stock_stockadjustment",
    "sales_salesorder",
    "sales_salesorderitem",
    "purchases_purchaseorder",
    "purchases_purchaseorderitem",
]


# The dashboard's kept figures (decision 0023), built from what was loaded: with their keys and indexes re-created
# afterwards too (half a million rows queued one deferred foreign-key check each otherwise).
KEPT_TABLES = [
    "stock_movementday",
    "sales_salesday",
    "sales_salesvariantday",
    "sales_salesproductperiod",
    "stock_stocktotal",
]

# Each kept figure's (organization, day) index (the product periods': organization, period, day): the dashboards read a
# range of recent days through it. The ledger and the sales services insert a day's rows on that day, so a live table
# lies in day order; built here by GROUP BY, the rows came out in hash order, and a month of a ten-year history lay
# scattered over the whole table (the top products read 50,000 rows from as many pages). CLUSTER puts them in the
# order the application would have.
KEPT_DAY_INDEXES = {
    "stock_movementday": "stock_movday_org_day",
    "sales_salesday": "sales_day_org_day",
    "sales_salesvariantday": "sales_varday_org_day",
    "sales_salesproductperiod": "sales_prodper_org_period",
}

# The events simulated, sorted and copied at a time: the history is generated in windows of time of about this many
# movements, so memory stays that of one window however many movements are asked for (a million fit in one window).
WINDOW_EVENTS = 1_000_000


@contextmanager
def _constraints_deferred_to_the_end(tables, *, quiet, out):
    """Drop the tables' foreign keys, unique constraints and secondary indexes; re-create them on the way out.

    Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: with them in place every copied row queues one check
    per key, run one row at a time at COMMIT (minutes for a million movements), and every index is updated row by
    row. Re-adding a constraint validates the whole table in one set-based query, and an index built once is faster
    than one maintained through a million inserts. Primary keys and CHECK constraints stay. Everything happens in
    the caller's transaction: a failure rolls the schema back with the data.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype IN ('f', 'u') AND conrelid = ANY(%s::regclass[]) ORDER BY contype DESC, conname",
            [tables],
        )
        constraints = cursor.fetchall()  # unique ('u') before foreign keys ('f')
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            [tables],
        )
        indexes = cursor.fetchall()
        for table, name, _definition in reversed(constraints):
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    started = time.monotonic()
    with connection.cursor() as cursor:
        for _name, definition in tqdm(indexes, desc="indexes", disable=quiet):
            cursor.execute(definition)
        for table, name, definition in tqdm(constraints, desc="constraints", disable=quiet):
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    if not quiet:
        elapsed = time.monotonic() - started
        out.write(f"re-created {len(indexes)} indexes and {len(constraints)} constraints in {elapsed:.0f} s")


def _fill_order_totals():
    """Each order's kept `total_amount` from its copied lines: one set-based UPDATE per order table, as the services
    would have written it line by line (sales: Σ quantity × unit_price; purchases: Σ quantity_ordered × unit_cost).
    """
    with connection.cursor() as cursor:
        for orders, items, quantity, price in (
            ("sales_salesorder", "sales_salesorderitem", "quantity", "unit_price"),
            ("purchases_purchaseorder", "purchases_purchaseorderitem", "quantity_ordered", "unit_cost"),
        ):
            cursor.execute(
                f"UPDATE {orders} o SET total_amount = t.total FROM (SELECT order_id, SUM({quantity} * {price}) "
                f"AS total FROM {items} GROUP BY order_id) t WHERE o.id = t.order_id"
            )


def _fill_min_prices():
    """Each product's kept `min_price`, its variants' lowest price, as the catalog services keep it: one set-based
    UPDATE over the copied variants.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE catalog_product p SET min_price = t.price FROM (SELECT product_id, MIN(price) AS price "
            "FROM catalog_variant GROUP BY product_id) t WHERE p.id = t.product_id"
        )


class Command(BaseCommand):
    help = "Generate a large, ledger-consistent organization for benchmarks (PostgreSQL only)."

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, default=10_000)
        parser.add_argument("--variants-per-product", type=int, default=2)
        parser.add_argument("--warehouses", type=int, default=5)
        parser.add_argument("--movements", type=int, default=1_000_000)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--replace", action="store_true", help="Delete an existing bench organization first.")

    def handle(self, *args, **opts):
        if connection.vendor != "postgresql":
            raise CommandError("generate_bench_data needs PostgreSQL (it loads data with COPY).")
        existing = Organization.objects.filter(name=ORG_NAME)
        if existing.exists():
            if not opts["replace"]:
                raise CommandError(f"'{ORG_NAME}' exists; pass --replace or use a fresh database.")
            raise CommandError("--replace is only supported on a fresh database: drop and recreate it instead.")
        self.rng = random.Random(opts["seed"])
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.start = self.now - timedelta(days=opts["days"])
        with transaction.atomic():
            with connection.cursor() as cursor:
                # Nothing is durable until the final COMMIT anyway; index builds get room to sort in memory.
                cursor.execute("SET LOCAL synchronous_commit = off")
                cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
                # The kept figures group millions of rows, and re-added keys join whole tables: in memory, not in
                # temporary files (the default 4 MB spills them).
                cursor.execute("SET LOCAL work_mem = '512MB'")
            loaded = [*BULK_TABLES, *KEPT_TABLES]
            with _constraints_deferred_to_the_end(loaded, quiet=opts["verbosity"] == 0, out=self.stdout):
                self._generate(opts)
                self._kept_figures()
        # Statistics and visibility maps for every table written here, as autovacuum would leave them minutes later.
        # Until then the planner guesses (a page of 50 products read 100,000 levels through hashed subplans, and
        # JIT-compiled it: 500 ms instead of 2), and an index-only scan still reads the table for every row it finds.
        started = time.monotonic()
        with connection.cursor() as cursor:
            for table, index in KEPT_DAY_INDEXES.items():
                cursor.execute(f"CLUSTER {table} USING {index}")
            for table in [*BULK_TABLES, *SMALL_TABLES, *KEPT_TABLES]:
                cursor.execute(f"VACUUM (ANALYZE) {table}")
        if not self.quiet:
            self.stdout.write(
                f"CLUSTER of the kept figures and VACUUM (ANALYZE) in {time.monotonic() - started:.0f} s"
            )
        self.stdout.write(self.style.SUCCESS(f"Generated '{ORG_NAME}'. Log in as bench_admin / {PASSWORD}."))

    def _kept_figures(self):
        """The tallies the ledger and the sales services would have written: one `INSERT ... SELECT ... GROUP BY`
        per figure over the loaded rows (linear in them), then the day's sales and their costs folded into one row.
        """
        from sales import kept as sales_kept
        from stock import kept as stock_kept
        from stock import totals as stock_totals

        started = time.monotonic()
        rows = stock_kept.rebuild_movement_days(self.org_id) + sales_kept.rebuild(self.org_id)
        rows += stock_totals.rebuild(self.org_id)
        sales_kept.compact()
        if not self.quiet:
            self.stdout.write(f"kept figures: {rows:,} rows in {time.monotonic() - started:.1f} s")

    # --- helpers ------------------------------------------------------------------------------------------------
    def _next_ids(self, model, count):
        """Reserve `count` consecutive ids from the model's sequence, so rows can be copied with known ids: one
        `setval` past the block (a million `nextval` rows took seconds; the database is fresh, nothing else writes).
        """
        if not count:
            return []
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
                [table, table, count],
            )
            last = cursor.fetchone()[0]
        return range(last - count + 1, last + 1)

    def _copy(self, model, columns, rows, label):
        table = model._meta.db_table
        column_list = ", ".join(columns)
        raw = connection.connection
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                for row in tqdm(rows, desc=label, unit="row", disable=self.quiet, mininterval=1):
                    copy.write_row(row)

    def _generate(self, opts):
        self.quiet = opts["verbosity"] == 0
        connection.ensure_connection()
        org = Organization.objects.create(name=ORG_NAME)
        self.org_id = org.id
        users = self._users(org, opts["warehouses"])
        warehouses = self._warehouses(org, opts["warehouses"], users)
        variants = self._catalog(org, opts["products"], opts["variants_per_product"], users["admin"])
        _fill_min_prices()
        self._ledger(variants, warehouses, users, opts["movements"])
        _fill_order_totals()

    def _users(self, org, warehouse_count):
        password = make_password(PASSWORD)
        admin = User.objects.create(
            username="bench_admin",
            email="bench_admin@example.com",
            organization=org,
            role="admin",
            status="active",
            password=password,
        )
        managers = [
            User.objects.create(
                username=f"bench_manager{n}",
                email=f"bench_manager{n}@example.com",
                organization=org,
                role="manager",
                status="active",
                password=password,
            )
            for n in range(1, warehouse_count + 1)
        ]
        staff = [
            User.objects.create(
                username=f"bench_staff{n}",
                email=f"bench_staff{n}@example.com",
                organization=org,
                role="staff",
                status="active",
                password=password,
            )
            for n in range(1, 2 * warehouse_count + 1)
        ]
        return {"admin": admin, "managers": managers, "staff": staff}

    def _warehouses(self, org, count, users):
        warehouses = [
            Warehouse.objects.create(organization=org, name=f"Warehouse {n}", code=f"W{n:02d}")
            for n in range(1, count + 1)
        ]
        for index, warehouse in enumerate(warehouses):
            users["managers"][index].warehouses.add(warehouse)
            users["staff"][2 * index].warehouses.add(warehouse)
            users["staff"][2 * index + 1].warehouses.add(warehouse)
        self.clerks = {
            w.id: [users["staff"][2 * i].id, users["staff"][2 * i + 1].id] for i, w in enumerate(warehouses)
        }
        return warehouses

    def _catalog(self, org, product_count, per_product, admin):
        rng = self.rng
        categories = Category.objects.bulk_create(
            [Category(organization=org, name=f"Category {n:02d}") for n in range(1, 51)]
        )
        suppliers = Supplier.objects.bulk_create(
            [Supplier(organization=org, name=f"Supplier {n:03d}", email=f"s{n}@example.com") for n in range(1, 101)]
        )
        self.supplier_ids = [s.id for s in suppliers]
        product_ids = self._next_ids(Product, product_count)
        today = self.now.date()
        products = []
        for index, pk in enumerate(product_ids):
            expiry = today + timedelta(days=rng.randint(-60, 400)) if rng.random() < 0.2 else None
            products.append(
                (
                    pk,
                    org.id,
                    f"Product {index + 1:05d}",
                    f"Bench product number {index + 1}",
                    rng.choice(categories).id,
                    rng.choice(self.supplier_ids),
                    expiry,
                    True,
                    admin.id,
                    self.now,
                    self.now,
                )
            )
        self._copy(
            Product,
            [
                "id",
                "organization_id",
                "name",
                "description",
                "category_id",
                "supplier_id",
                "expiration_date",
                "is_active",
                "created_by_id",
                "created_at",
                "updated_at",
            ],
            products,
            "products",
        )
        variant_ids = self._next_ids(Variant, product_count * per_product)
        variants, rows = [], []
        self.reorder_levels = {}  # each new level takes its variant's, as the ledger creates it
        for index, pk in enumerate(variant_ids):
            product_number = index // per_product
            cost = Decimal(rng.randint(100, 20_000)) / 100
            price = (cost * Decimal("1.4")).quantize(Decimal("0.01"))
            reorder = rng.choice([0, 5, 10, 20])
            self.reorder_levels[pk] = reorder
            sku = f"BENCH-{product_number + 1:05d}-{index % per_product + 1}"
            rows.append(
                (
                    pk,
                    org.id,
                    product_ids[product_number],
                    sku,
                    f"{400000000000 + index:013d}",
                    "{}",
                    price,
                    cost,
                    reorder,
                    self.now,
                    self.now,
                )
            )
            variants.append((pk, cost, price))
        self._copy(
            Variant,
            [
                "id",
                "organization_id",
                "product_id",
                "sku",
                "barcode",
                "attributes",
                "price",
                "cost",
                "reorder_level",
                "created_at",
                "updated_at",
            ],
            rows,
            "variants",
        )
        return variants

    def _ledger(self, variants, warehouses, users, movement_target):
        """Simulate each level's history window by window of time, writing each window's movements in time order
        with their causes: memory holds one window's events, whatever the history's length.
        """
        level_count = len(variants) * len(warehouses)
        per_level = max(1, movement_target // level_count)
        windows = max(1, -(-per_level * level_count // WINDOW_EVENTS))
        balances = {}
        self.numbers = {"SO": 0, "PO": 0}
        for window in range(windows):
            events = self._window_events(variants, warehouses, per_level, (window, windows), balances)
            events.sort(key=lambda event: event[0])
            self._write_documents_and_movements(events, warehouses, users)
            del events
        Sequence = DocumentSequence
        for prefix, last_value in self.numbers.items():
            Sequence.objects.create(organization_id=self.org_id, prefix=prefix, last_value=last_value)
        self._write_levels(balances)

    def _window_events(self, variants, warehouses, per_level, window_of, balances):
        """Each level's events in one window of the history, continuing its balance from the windows before.

        A level's first event is its opening; the window gets its share of the level's `per_level` events.
        """
        rng = self.rng
        window, windows = window_of
        span = (self.now - self.start).total_seconds() / windows
        window_start = self.start + timedelta(seconds=window * span)
        count = per_level * (window + 1) // windows - per_level * window // windows
        events = []  # (time, variant_id, warehouse_id, kind, signed quantity, balance_after, unit_cost)
        label = "histories" if windows == 1 else f"histories {window + 1}/{windows}"
        for variant_id, cost, _price in tqdm(variants, desc=label, disable=self.quiet, mininterval=1):
            for warehouse in warehouses:
                key = (variant_id, warehouse.id)
                times = sorted(rng.random() for _ in range(count))
                balance = balances.get(key)
                for fraction in times:
                    when = window_start + timedelta(seconds=fraction * span)
                    if balance is None:
                        kind, delta, balance = "opening", rng.randint(20, 200), 0
                    else:
                        roll = rng.random()
                        if roll < 0.62 and balance > 0:
                            kind, delta = "sale", -min(balance, rng.randint(1, 8))
                        elif roll < 0.92:
                            kind, delta = "purchase", rng.randint(10, 80)
                        else:
                            kind = "adjustment"
                            delta = rng.choice([-1, 1, 2, -2]) if balance > 2 else rng.randint(1, 3)
                    balance += delta
                    events.append((when, variant_id, warehouse.id, kind, delta, balance, cost))
                if balance is not None:
                    balances[key] = balance
        return events

    def _write_documents_and_movements(self, events, warehouses, users):
        Movement = StockMovement
        Adjustment = StockAdjustment
        SalesItem = SalesOrderItem
        PurchaseItem = PurchaseOrderItem
        rng = self.rng
        movement_ids = self._next_ids(Movement, len(events))
        prices = {}
        # Group sales into orders of up to 3 lines and purchases into orders of up to 5, per warehouse and day.
        sale_groups, purchase_groups = defaultdict(list), defaultdict(list)
        for index, event in enumerate(events):
            if event[3] == "sale":
                sale_groups[(event[2], event[0].date())].append(index)
            elif event[3] == "purchase":
                purchase_groups[(event[2], event[0].date())].append(index)
        sale_orders = [group[i : i + 3] for group in sale_groups.values() for i in range(0, len(group), 3)]
        purchase_orders = [group[i : i + 5] for group in purchase_groups.values() for i in range(0, len(group), 5)]
        sale_orders.sort(key=lambda lines: events[lines[0]][0])
        purchase_orders.sort(key=lambda lines: events[lines[0]][0])
        reference = {}

        so_ids = self._next_ids(SalesOrder, len(sale_orders)) if sale_orders else []
        so_rows, so_items = [], []
        first_number, self.numbers["SO"] = self.numbers["SO"] + 1, self.numbers["SO"] + len(sale_orders)
        for number, (order_id, lines) in enumerate(zip(so_ids, sale_orders, strict=True), start=first_number):
            first = events[lines[0]]
            clerk = rng.choice(self.clerks[first[2]])
            so_rows.append(
                (
                    order_id,
                    self.org_id,
                    f"SO-{number:07d}",
                    first[2],
                    f"Customer {rng.randint(1, 5000)}",
                    "",
                    "",
                    "fulfilled",
                    "",
                    clerk,
                    clerk,
                    first[0],
                    first[0],
                    first[0],
                    first[0],
                )
            )
            for index in lines:
                event = events[index]
                price = prices.setdefault(event[1], (event[6] * Decimal("1.4")).quantize(Decimal("0.01")))
                so_items.append((order_id, event[1], -event[4], price, 0, event[6]))
                reference[index] = ("sales_order", order_id, clerk)
        self._copy(
            SalesOrder,
            [
                "id",
                "organization_id",
                "number",
                "warehouse_id",
                "customer_name",
                "customer_email",
                "notes",
                "status",
                "rejection_reason",
                "created_by_id",
                "decided_by_id",
                "decided_at",
                "created_at",
                "fulfilled_at",
                "updated_at",
            ],
            so_rows,
            "sales orders",
        )
        self._copy(
            SalesItem,
            ["order_id", "variant_id", "quantity", "unit_price", "quantity_returned", "unit_cost"],
            so_items,
            "sales lines",
        )

        po_ids = self._next_ids(PurchaseOrder, len(purchase_orders)) if purchase_orders else []
        po_rows, po_items = [], []
        first_number, self.numbers["PO"] = self.numbers["PO"] + 1, self.numbers["PO"] + len(purchase_orders)
        for number, (order_id, lines) in enumerate(zip(po_ids, purchase_orders, strict=True), start=first_number):
            first = events[lines[0]]
            clerk = rng.choice(self.clerks[first[2]])
            placed = first[0] - timedelta(days=3)
            po_rows.append(
                (
                    order_id,
                    self.org_id,
                    f"PO-{number:07d}",
                    rng.choice(self.supplier_ids),
                    first[2],
                    "received",
                    "",
                    clerk,
                    placed,
                    first[0],
                    placed,
                    first[0],
                )
            )
            for index in lines:
                event = events[index]
                po_items.append((order_id, event[1], event[4], event[4], event[6]))
                reference[index] = ("purchase_order", order_id, clerk)
        self._copy(
            PurchaseOrder,
            [
                "id",
                "organization_id",
                "number",
                "supplier_id",
                "warehouse_id",
                "status",
                "notes",
                "created_by_id",
                "created_at",
                "updated_at",
                "submitted_at",
                "received_at",
            ],
            po_rows,
            "purchase orders",
        )
        self._copy(
            PurchaseItem,
            ["order_id", "variant_id", "quantity_ordered", "quantity_received", "unit_cost"],
            po_items,
            "purchase lines",
        )

        adjustment_indexes = [i for i, event in enumerate(events) if event[3] in ("opening", "adjustment")]
        adjustment_ids = self._next_ids(Adjustment, len(adjustment_indexes))
        adjustment_rows = []
        for adjustment_id, index in zip(adjustment_ids, adjustment_indexes, strict=True):
            event = events[index]
            clerk = users["admin"].id if event[3] == "opening" else rng.choice(self.clerks[event[2]])
            reference[index] = ("adjustment", adjustment_id, clerk)
            adjustment_rows.append(
                (
                    adjustment_id,
                    self.org_id,
                    event[1],
                    event[2],
                    event[4],
                    None,
                    event[3],
                    "",
                    movement_ids[index],
                    clerk,
                    event[0],
                )
            )

        def movement_rows():
            for index, event in enumerate(events):
                ref_type, ref_id, clerk = reference[index]
                yield (
                    movement_ids[index],
                    self.org_id,
                    event[1],
                    event[2],
                    "IN" if event[4] > 0 else "OUT",
                    event[3],
                    abs(event[4]),
                    event[5],
                    event[6],
                    ref_type,
                    ref_id,
                    clerk,
                    "",
                    event[0],
                )

        self._copy(
            Movement,
            [
                "id",
                "organization_id",
                "variant_id",
                "warehouse_id",
                "movement_type",
                "reason",
                "quantity",
                "balance_after",
                "unit_cost",
                "reference_type",
                "reference_id",
                "performed_by_id",
                "note",
                "created_at",
            ],
            movement_rows(),
            "movements",
        )
        self._copy(
            Adjustment,
            [
                "id",
                "organization_id",
                "variant_id",
                "warehouse_id",
                "quantity",
                "counted_quantity",
                "reason",
                "note",
                "movement_id",
                "performed_by_id",
                "created_at",
            ],
            adjustment_rows,
            "adjustments",
        )

    def _write_levels(self, balances):
        Level = StockLevel
        rows = (
            (self.org_id, variant_id, warehouse_id, quantity, None, self.reorder_levels[variant_id], self.now)
            for (variant_id, warehouse_id), quantity in sorted(balances.items())
        )
        self._copy(
            Level,
            [
                "organization_id",
                "variant_id",
                "warehouse_id",
                "quantity",
                "reorder_level_override",
                "reorder_level",
                "updated_at",
            ],
            rows,
            "stock levels",
        )
        # What the ledger keeps on each product: the sum of its levels.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE catalog_product p SET stock_quantity = t.total FROM ("
                " SELECT v.product_id, SUM(l.quantity) AS total FROM stock_stocklevel l"
                " JOIN catalog_variant v ON v.id = l.variant_id GROUP BY v.product_id"
                ") t WHERE p.id = t.product_id"
            )
