"""What a pooled PostgreSQL connection goes through on its way back to the pool.

Kept free of Django models: the settings module names ``reset_pooled_connection``.
"""

from __future__ import annotations

from typing import Any

# Session settings a request may change and the next borrower must not inherit: a SOAP
# call limits its statements (lrs.soap.views), and with a pool the connection goes back
# before the reset on request_finished could run. Django's own per-connection settings
# (time zone, role) are made when the pool opens a connection and are left alone.
_RESET = "RESET statement_timeout"


def reset_pooled_connection(conn: Any) -> None:
    """psycopg_pool's ``reset`` callback: the connection arrives idle, outside a transaction."""
    conn.execute(_RESET)
    if not conn.autocommit:
        conn.commit()
