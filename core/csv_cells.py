"""CSV cells a spreadsheet will not run: the one helper every CSV export writes its text through.

A spreadsheet treats a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a formula
(`=HYPERLINK(...)`, `=cmd|' /C calc'!A0`): CSV injection. Text cells that start so are written with a leading
apostrophe, which spreadsheets show as text and do not evaluate (OWASP's advice). Numbers are left alone, so a
negative quantity stays a number.
"""

from collections.abc import Iterable

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_cells(values: Iterable) -> list:
    return [csv_cell(value) for value in values]
