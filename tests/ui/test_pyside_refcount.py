"""Guard against the PySide6 6.12.0 bug that made Talk abort after a while.

In 6.12.0, every time C++ called a Python model's ``data()`` that returned
None, one reference to None was lost; with 100,000 contacts the view makes
enough such calls that None is eventually freed and Python aborts. Talk pins
a PySide6 without the bug; this test fails if one creeps back in.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QAbstractTableModel, QIdentityProxyModel, QModelIndex, Qt


class _Empty(QAbstractTableModel):
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 1

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 1

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        return None


def test_models_returning_none_keep_none_alive(qapp) -> None:
    source = _Empty()
    proxy = QIdentityProxyModel()
    proxy.setSourceModel(source)
    index = proxy.index(0, 0)

    before = sys.getrefcount(None)
    for _ in range(500):
        proxy.data(index, Qt.ItemDataRole.ToolTipRole)
    after = sys.getrefcount(None)

    assert after >= before - 5, "PySide6 is losing references to None"
