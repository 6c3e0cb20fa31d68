"""Keep Python's garbage collector from stalling the window.

The contact table holds an object per contact. Python's full collections
walk every tracked object, which at 100,000 contacts takes 100–200 ms on the
GUI thread: a visible stall, repeated while a first sync fills the table.
After the table takes a batch, the young generations are collected (cheap)
and everything still alive is moved out of the collector's sight with
``gc.freeze()``. Acyclic garbage is still freed by reference counting; the
table's rows form no cycles.
"""

from __future__ import annotations

import gc


def settle_long_lived() -> None:
    """Collect young garbage, then stop re-scanning what has lived this long."""
    gc.collect(1)
    gc.freeze()
