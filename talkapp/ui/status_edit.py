"""The statuses view's inline form for admins' edits (no modal dialogs)."""

from __future__ import annotations

import re

from PySide6.QtCore import (
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QKeyEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from talkapp.ui.status_model import (
    StatusRow,
)

ADD, RENAME, REMOVE = "add", "rename", "remove"


class EditForm(QFrame):
    """The inline form for add, rename and remove: no dialog, no nested loop.

    ``submitted`` asks the view to act; Esc or Cancel close the form.
    """

    submitted = Signal()
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Edit disposition")
        self.mode = ""
        self.target: StatusRow | None = None
        self._value_typed = False

        self.prompt = QLabel(self)
        self.value_edit = QLineEdit(self)
        self.value_edit.setAccessibleName("Internal value")
        self.value_edit.setPlaceholderText("Internal value, e.g. talk-callback")
        self.label_edit = QLineEdit(self)
        self.label_edit.setAccessibleName("Label")
        self.label_edit.setPlaceholderText("Label agents see")
        self.confirm = QPushButton(self)
        self.confirm.setAutoDefault(True)  # Enter on the focused button confirms
        self.cancel = QPushButton("Cancel", self)
        self.cancel.setAutoDefault(True)
        self.cancel.setToolTip("Close without changing anything (Esc)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.prompt)
        layout.addWidget(self.label_edit, 2)
        layout.addWidget(self.value_edit, 2)
        layout.addWidget(self.confirm)
        layout.addWidget(self.cancel)
        QWidget.setTabOrder(self.label_edit, self.value_edit)
        QWidget.setTabOrder(self.value_edit, self.confirm)
        QWidget.setTabOrder(self.confirm, self.cancel)

        self.value_edit.textEdited.connect(self._on_value_edit_text_edited)
        self.label_edit.textEdited.connect(self._on_label_edit_text_edited)
        self.value_edit.returnPressed.connect(self.submitted)
        self.label_edit.returnPressed.connect(self.submitted)
        self.confirm.clicked.connect(self.submitted)
        self.cancel.clicked.connect(self.cancelled)
        self.hide()

    def open_form(self, mode: str, target: StatusRow | None, value: str = "") -> None:
        self.mode, self.target = mode, target
        self._value_typed = bool(value)
        self.value_edit.setText(value)
        self.label_edit.setText(target.label if target and mode == RENAME else "")
        self.value_edit.setVisible(mode == ADD)
        self.label_edit.setVisible(mode != REMOVE)
        name = f"“{target.label}” ({target.value})" if target else ""
        self.prompt.setText(
            {ADD: "New disposition:", RENAME: f"Rename {name} to:"}.get(
                mode, f"Remove {name}?"
            )
        )
        self.confirm.setText({ADD: "Add", RENAME: "Rename"}.get(mode, "Remove"))
        self.set_busy(False)
        self.show()
        focus = self.confirm if mode == REMOVE else self.label_edit
        focus.setFocus()
        self.label_edit.selectAll()

    def set_busy(self, busy: bool) -> None:
        """Grey the form while the engine works, so one Enter is one request."""
        for widget in (self.value_edit, self.label_edit, self.confirm):
            widget.setEnabled(not busy)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
            return
        super().keyPressEvent(event)

    def _on_value_edit_text_edited(self, text: str) -> None:
        self._value_typed = bool(text)

    def _on_label_edit_text_edited(self, text: str) -> None:
        if self.mode == ADD and not self._value_typed:
            self.value_edit.setText(_suggest_value(text))


def _suggest_value(label: str) -> str:
    """A value in the style of Talk's defaults ("talk-bad-timing")."""
    slug = re.sub(r"[^a-z0-9]+", "-", label.casefold()).strip("-")
    return f"talk-{slug}" if slug else ""
