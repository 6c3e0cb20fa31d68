"""Small pieces the portal window's tabs share: inline messages, the strips."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget
from shiboken6 import isValid

ERROR_STYLE = "color: #b00020;"
NOTE_STYLE = "color: #1a5e20;"
PORTAL_ORANGE = "#ff7a59"  # HubSpot's own orange: this window is "their" side
PORTAL_INK = "#2d1300"  # dark on orange: white would be hard to read
FAULT_RED = "#c62828"


def alive(widget: QWidget) -> bool:
    """Whether a widget's C++ side still exists; answers can outlive windows."""
    return isValid(widget)


class InlineMessage(QLabel):
    """One line under a form: an error in red or a note in green; never a dialog."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._topic = ""
        self.hide()

    @property
    def is_error(self) -> bool:
        return (
            self.isVisibleTo(self.parentWidget()) and self.property("kind") == "error"
        )

    def show_error(self, text: str, topic: str = "") -> None:
        """``topic`` names what failed, so its next success can clear just that."""
        self._show(text, "error", ERROR_STYLE, topic)

    def show_note(self, text: str) -> None:
        self._show(text, "note", NOTE_STYLE, "")

    def clear_message(self, topic: str | None = None) -> None:
        """Hide the message; with ``topic``, only a message about that."""
        if topic is not None and (self._topic != topic or not self.is_error):
            return
        self.setText("")
        self.hide()

    def _show(self, text: str, kind: str, style: str, topic: str) -> None:
        self._topic = topic
        self.setProperty("kind", kind)
        self.setStyleSheet(style)
        self.setText(text)
        self.show()


class PortalHeader(QLabel):
    """The orange strip that says whose side this window is on."""

    def __init__(self, url: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("portalHeader")
        self.setText(
            "<b>Simulated HubSpot portal</b> — changes made here happen "
            f"in HubSpot, not in Talk. ({url})"
        )
        self.setAccessibleName("Simulated HubSpot portal")
        self.setStyleSheet(
            f"#portalHeader {{ background: {PORTAL_ORANGE}; color: {PORTAL_INK}; "
            "padding: 6px 10px; }"
        )


class FaultsBar(QFrame):
    """The red bar, on every tab, for as long as any fault is in force."""

    turn_off_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("faultsBar")
        self.setAccessibleName("Faults in force")
        self.setStyleSheet(
            f"#faultsBar {{ background: {FAULT_RED}; }} "
            "#faultsBar QLabel { color: white; font-weight: bold; }"
        )
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.turn_off = QPushButton("Turn all off", self)
        self.turn_off.setToolTip("Turn every fault off in the simulator")
        self.turn_off.clicked.connect(self.turn_off_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 6, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.turn_off)
        self.faults: list[str] = []
        self.hide()

    @property
    def text(self) -> str:
        return self.label.text()

    def show_faults(self, faults: list[str]) -> None:
        self.faults = list(faults)
        self.label.setText(f"Faults in force: {', '.join(faults)}" if faults else "")
        self.setVisible(bool(faults))
