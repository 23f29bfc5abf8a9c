"""Timestamps read by psycopg's C loader on PostgreSQL connections kept in UTC (decision 0033).

Django's PostgreSQL backend registers its own `timestamptz` loader on psycopg 3 so that every datetime it reads
carries the time zone object Django expects. That loader subclasses psycopg's pure-Python one (psycopg's C loaders
cannot be subclassed), so every timestamp of every row is parsed in Python: the largest single piece of a page of
movements after the query itself. On a connection whose `TimeZone` is UTC, which is what Django sets when `USE_TZ`
is on and the database's `TIME_ZONE` is unset, psycopg's C loader returns the same values with the same tzinfo
(`datetime.timezone.utc`); this module puts it back on such connections as they open.
"""

import datetime

from psycopg.adapt import Loader

try:  # psycopg's C module (psycopg[binary] or [c]); private, so a release that moves it turns this module off
    from psycopg._cmodule import _psycopg

    _C_LOADER = getattr(_psycopg, "TimestamptzLoader", None)
except ImportError:
    _C_LOADER = None


class UtcTimestamptzLoader(Loader):
    """psycopg's C `timestamptz` loader behind a Python class that carries `timezone`: Django's backend compares it
    with the connection's before each cursor, and registers its own Python loader on the cursor when they differ.
    """

    timezone = datetime.UTC

    def __init__(self, oid, context=None):
        super().__init__(oid, context)
        self._loader = _C_LOADER(oid, context)
        self.load = self._loader.load  # psycopg's row loading calls the C method itself, not the one below

    def load(self, data):
        return self._loader.load(data)


def use_c_timestamps(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: the C loader on a new psycopg 3 connection that Django keeps in UTC."""
    if connection.vendor != "postgresql" or _C_LOADER is None or connection.timezone != datetime.UTC:
        return
    info = getattr(connection.connection, "info", None)  # psycopg 3's; psycopg2 has no adapters map to change
    if info is None or info.parameter_status("TimeZone") != "UTC":
        return
    connection.connection.adapters.register_loader("timestamptz", UtcTimestamptzLoader)
