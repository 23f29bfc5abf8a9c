"""Small rooms: no module over 400 lines outside `bench/` and migrations, no function over 60 lines outside seeds
and migrations. A module or function past the bound is split by what it does, not by its line count.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
SKIPPED_PARTS = {".venv", "node_modules", "migrations", ".git"}
# Seeds: demo and benchmark data, long lists of plain records by nature.
SEEDS = ("seed.py", "seed_demo.py", "generate_bench_data.py", "report_size.py")


def _project_modules():
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if not SKIPPED_PARTS.intersection(relative.parts):
            yield relative, path.read_text()


def test_no_module_is_over_the_bound():
    long_modules = {
        str(relative): lines
        for relative, source in _project_modules()
        if relative.parts[0] != "bench" and (lines := len(source.splitlines())) > MAX_MODULE_LINES
    }
    assert long_modules == {}


def test_no_function_is_over_the_bound():
    long_functions = {}
    for relative, source in _project_modules():
        if relative.name in SEEDS:
            continue
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long_functions[f"{relative}:{node.lineno} {node.name}"] = lines
    assert long_functions == {}
