"""Choosing a lead status: the combo the contact table and the bulk import share.

It lists the portal's options as they are now, hidden ones too (marked):
HubSpot's API accepts a hidden option's value, and a contact holding one is
exactly the case QA wants to create.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from talkapp.ui.hubspot_window.models import OptionsModel, status_text

NONE_TEXT = "— none —"


def fill_status_combo(
    combo: QComboBox, options: OptionsModel, current: str | None = None
) -> None:
    """Every option (hidden ones last, marked) plus "none"; keeps ``current``.

    With nothing to keep, the first option is chosen, not "none": a bulk
    import should never clear statuses by default.
    """
    keep = combo.currentData() if current is None else current
    combo.blockSignals(True)
    combo.clear()
    combo.addItem(NONE_TEXT, "")
    listed = options.options()
    for option in (o for o in listed if not o.hidden):
        combo.addItem(option.label, option.value)
    for option in (o for o in listed if o.hidden):
        combo.addItem(f"{option.label} (hidden)", option.value)
    labels = {o.value: o.label for o in listed}
    if keep and keep not in labels:
        combo.addItem(status_text(keep, labels), keep)
    found = combo.findData(keep) if keep is not None else -1
    combo.setCurrentIndex(found if found >= 0 else min(1, combo.count() - 1))
    combo.blockSignals(False)


class LeadStatusDelegate(QStyledItemDelegate):
    """A combo of the portal's current options; picking one commits it."""

    def __init__(self, options: OptionsModel, parent: Any = None) -> None:
        super().__init__(parent)
        self._options = options

    def createEditor(
        self,
        parent: QWidget,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> QWidget:
        combo = QComboBox(parent)
        combo.setAccessibleName("Lead status")
        combo.activated.connect(lambda _=0, c=combo: self._on_combo_activated(c))
        return combo

    def setEditorData(
        self, editor: QWidget, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        assert isinstance(editor, QComboBox)
        fill_status_combo(editor, self._options, index.data(Qt.ItemDataRole.EditRole))

    def setModelData(
        self,
        editor: QWidget,
        model: QAbstractItemModel,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)

    def _on_combo_activated(self, combo: QComboBox) -> None:
        self.commitData.emit(combo)
        self.closeEditor.emit(combo, QStyledItemDelegate.EndEditHint.NoHint)
