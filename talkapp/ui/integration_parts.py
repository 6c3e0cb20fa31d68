"""Small pieces the HubSpot panel's boxes share: inline messages, button rows.

Each box of the panel (connection, form, direction, sync) says what went wrong
under its own controls, in the same red, never in a dialog.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

ERROR_STYLE = "color: #b00020;"


def left(button: QPushButton) -> QHBoxLayout:
    """A button at its natural width, not stretched across the form."""
    row = QHBoxLayout()
    row.addWidget(button)
    row.addStretch(1)
    return row


def message_label(parent: QWidget, *, error: bool = False) -> QLabel:
    """A hidden, selectable, wrapping line for a message; red for an error."""
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if error:
        label.setStyleSheet(ERROR_STYLE)
    label.hide()
    return label


def show_message(label: QLabel, text: str) -> None:
    """Put ``text`` in a message label and show it."""
    label.setText(text)
    label.show()


__all__ = ["ERROR_STYLE", "left", "message_label", "show_message"]
