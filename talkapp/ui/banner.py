"""A non-modal message bar above the views: never a dialog storm.

Messages that repeat while shown are counted instead of stacked, and the
bar closes itself after a while unless it shows an error.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

INFO, WARNING, ERROR = "info", "warning", "error"
COLORS = {
    INFO: ("#e8f0fe", "#1a3d7c"),
    WARNING: ("#fff4d6", "#6b4e00"),
    ERROR: ("#fde7e7", "#7c1a1a"),
}


class Banner(QFrame):
    """One line of news; ``show_message`` replaces or counts, ``dismiss`` hides."""

    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Notification")
        self._label = QLabel(self)
        self._label.setWordWrap(True)
        self._label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        close = QToolButton(self)
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss (Esc)")
        close.setAccessibleName("Dismiss notification")
        close.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 4, 4)
        layout.addWidget(self._label, 1)
        layout.addWidget(close)
        self._text = ""
        self._repeats = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.dismiss)
        self.hide()

    @property
    def text(self) -> str:
        return self._label.text()

    def show_message(self, text: str, kind: str = INFO, *, timeout_ms: int = 12000):
        if self.isVisible() and text == self._text:
            self._repeats += 1
            self._label.setText(f"{text} (×{self._repeats + 1})")
        else:
            self._text, self._repeats = text, 0
            self._label.setText(text)
        background, foreground = COLORS[kind]
        self.setStyleSheet(
            f"#banner {{ background: {background}; border: 1px solid {foreground}; "
            f"border-radius: 4px; }} #banner QLabel {{ color: {foreground}; }}"
        )
        self.setProperty("kind", kind)
        self.show()
        if kind == ERROR:
            self._timer.stop()
        else:
            self._timer.start(timeout_ms)

    def dismiss(self) -> None:
        self._timer.stop()
        self.hide()
        self.dismissed.emit()
