"""Profile API requests in-process, through the whole Django stack (middleware, JWT authentication, view, renderer).

    DATABASE_URL=postgres://.../stockroom_bench_full .venv/bin/python bench/profile_requests.py "/api/products/"
    ... bench/profile_requests.py --repeat 50 --sql "/api/stock-levels/?page_size=50" "/api/dashboard/"

Uses pyinstrument when it is importable (`pip install pyinstrument`, or put it on PYTHONPATH), else cProfile
(`--cpu`: cProfile on CPU time, which a loaded machine does not blur, by cumulative then own time). Prints,
per URL: the mean time of a request, its SQL statements and the time the database spent on them, then the profile.
The requests are authenticated with a JWT of `bench_admin` (the organization of `generate_bench_data`).
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--sql", action="store_true", help="print each statement of the first request")
    parser.add_argument(
        "--cpu", action="store_true", help="cProfile on CPU time (not wall time), sorted by own time: the hot spots"
    )
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("STOCKROOM_ALLOW_DEV_KEY", "true")
    os.environ.setdefault("THROTTLE_USER_RATE", "1000000/min")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework_simplejwt.tokens import AccessToken

    from users.models import User

    token = str(AccessToken.for_user(User.objects.get(username="bench_admin")))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")

    for url in args.urls:
        for _ in range(3):
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        sql_ms = sum(float(query["time"]) for query in queries.captured_queries) * 1000
        print(f"\n== {url}: {len(queries.captured_queries)} statements, {sql_ms:.1f} ms in the database")
        if args.sql:
            for query in queries.captured_queries:
                print(f"  [{float(query['time']) * 1000:.1f} ms] {query['sql'][:600]}")
        profiler = _profiler(args.cpu)
        started = time.perf_counter()
        profiler.start()
        for _ in range(args.repeat):
            client.get(url)
        profiler.stop()
        elapsed = (time.perf_counter() - started) / args.repeat
        print(f"   {elapsed * 1000:.1f} ms per request (mean of {args.repeat}, profiler on)")
        profiler.report()
    return 0


def _profiler(cpu: bool):
    try:
        if cpu:
            raise ImportError
        from pyinstrument import Profiler

        class _Pyinstrument:
            def __init__(self):
                self.profiler = Profiler(interval=0.0005)

            def start(self):
                self.profiler.start()

            def stop(self):
                self.profiler.stop()

            def report(self):
                print(self.profiler.output_text(unicode=True, color=False, show_all=False))

        return _Pyinstrument()
    except ImportError:
        import cProfile
        import pstats

        class _CProfile:
            def __init__(self):
                self.profiler = cProfile.Profile(time.process_time) if cpu else cProfile.Profile()

            def start(self):
                self.profiler.enable()

            def stop(self):
                self.profiler.disable()

            def report(self):
                stats = pstats.Stats(self.profiler)
                stats.sort_stats("cumulative").print_stats(45)
                stats.sort_stats("tottime").print_stats(30)

        return _CProfile()


if __name__ == "__main__":
    sys.exit(main())
