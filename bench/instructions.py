"""Instructions per request of one route, counted by valgrind's callgrind: a figure that does not drift with the
machine's speed, for deciding between two versions of a piece of code when CPU time is too noisy to tell.

    .venv/bin/python bench/instructions.py                        # POST /api/stock-adjustments/, this tree
    .venv/bin/python bench/instructions.py --route sale --requests 20
    .venv/bin/python bench/instructions.py --tree /tmp/stockroom-old --database-url postgres://.../stockroom_probe_old

It needs valgrind, its headers (`valgrind/callgrind.h`) and a C compiler. It builds a tiny library that issues
callgrind's client requests, then runs the probe's child (`bench/cpu_probe.py`: production settings, the WSGI
application, a JWT of `demo_admin`) under `valgrind --tool=callgrind` with instrumentation off while Django starts
and the route warms up, and counts only the requests measured. The database is the probe's (`--database-url`,
seeded by `bench/cpu_probe.py`). The kernel's work (each round trip's system calls) is not counted: compare round
trips beside it.
"""

import argparse
import ctypes
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLIENT_REQUESTS = """
#include <valgrind/callgrind.h>
void start(void) { CALLGRIND_START_INSTRUMENTATION; }
void toggle(void) { CALLGRIND_TOGGLE_COLLECT; }
void zero(void) { CALLGRIND_ZERO_STATS; }
void dump(void) { CALLGRIND_DUMP_STATS; }
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--route", default="adjustment", help="one of bench/cpu_probe.py's routes")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--tree", default=str(ROOT), help="the checkout to measure")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/stockroom_probe_this")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child(args)
    sys.path.insert(0, str(ROOT / "bench"))
    from cpu_probe import _env

    with tempfile.TemporaryDirectory() as work:
        library = Path(work) / "client_requests.so"
        source = Path(work) / "client_requests.c"
        source.write_text(CLIENT_REQUESTS)
        subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-o", str(library), str(source)], check=True)
        out = Path(work) / "callgrind.out"
        command = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--collect-atstart=no"]
        command += [f"--callgrind-out-file={out}", sys.executable, str(Path(__file__).resolve())]
        command += ["--child", str(library), "--route", args.route, "--requests", str(args.requests)]
        env = {**_env(args.database_url), "PYTHONPATH": args.tree}
        subprocess.run(command, cwd=args.tree, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        dumps = sorted(Path(work).glob("callgrind.out*"))
        totals = [_total(path) for path in dumps]
    instructions = max(totals) / args.requests
    print(f"{args.route}: {instructions / 1e6:.3f} M instructions per request ({args.tree})")
    return 0


def _total(path: Path) -> int:
    for line in path.read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    return 0


def _child(args) -> int:
    sys.path.insert(0, os.getcwd())
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()
    from cpu_probe import _Probe

    requests = ctypes.CDLL(args.child)
    probe = _Probe()
    for _ in range(10):
        probe._call(*probe._request(args.route))
    requests.start()
    for _ in range(4):  # the instrumented code's first pass
        probe._call(*probe._request(args.route))
    requests.zero()
    requests.toggle()
    for _ in range(args.requests):
        probe._call(*probe._request(args.route))
    requests.toggle()
    requests.dump()
    return 0


if __name__ == "__main__":
    sys.exit(main())
