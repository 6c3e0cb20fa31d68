"""The statuses view's bar chart: how contacts spread over the statuses."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import (
    QEvent,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QHelpEvent,
    QPainter,
    QPaintEvent,
    QPalette,
)
from PySide6.QtWidgets import (
    QSizePolicy,
    QToolTip,
    QWidget,
)

from talkapp.ui.icons import lock_icon
from talkapp.ui.status_model import (
    StatusTableModel,
)


@dataclass(frozen=True)
class Bar:
    """One bar of the chart: what it is called and how many contacts it has."""

    label: str
    count: int
    locked: bool
    muted: bool  # not offered to agents: drawn paler


class StatusChart(QWidget):
    """Horizontal bars, one per row of the model, in the list's order.

    Painted with the palette's Base, Text and Highlight colours, so it reads
    in light and dark themes; the same numbers are in its accessible
    description for screen readers.
    """

    PAD = 6
    ICON = 16

    def __init__(self, model: StatusTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._bars: list[Bar] = []
        self.setAccessibleName("Contacts per status")
        self.setBackgroundRole(QPalette.ColorRole.Base)
        self.setAutoFillBackground(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        model.modelReset.connect(self._on_model_changed)
        model.dataChanged.connect(self._on_model_changed)
        self._on_model_changed()

    @property
    def bars(self) -> list[Bar]:
        """What is painted, top to bottom."""
        return list(self._bars)

    def describe(self) -> str:
        if not self._bars:
            return "No statuses."
        parts = [
            f"{bar.label}{' (locked)' if bar.locked else ''}: {bar.count:,}"
            for bar in self._bars
        ]
        return "Contacts per status. " + "; ".join(parts) + "."

    def bar_rect(self, number: int) -> QRect:
        """Where bar ``number`` is painted (empty for a status with no contacts)."""
        _, left, room = self._columns()
        top = self.PAD + number * self._row_height()
        biggest = max((bar.count for bar in self._bars), default=0)
        count = self._bars[number].count
        length = round(room * count / biggest) if biggest else 0
        if count and length < 2:
            length = 2  # a status with contacts never looks empty
        return QRect(left, top + 3, length, self._row_height() - 6)

    def sizeHint(self) -> QSize:
        return QSize(360, self._content_height())

    def minimumSizeHint(self) -> QSize:
        return QSize(200, self._content_height())

    def paintEvent(self, event: QPaintEvent) -> None:
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.Text)
        fill = palette.color(QPalette.ColorRole.Highlight)
        pale = QColor(fill)
        pale.setAlphaF(0.45)
        label_width, _, _ = self._columns()
        metrics = self.fontMetrics()
        height = self._row_height()
        painter = QPainter(self)
        painter.setPen(text)
        for number, bar in enumerate(self._bars):
            top = self.PAD + number * height
            if bar.locked:
                box = QRect(
                    self.PAD, top + (height - self.ICON) // 2, self.ICON, self.ICON
                )
                lock_icon().paint(painter, box)
            label = QRect(self.PAD + self.ICON + 4, top, label_width, height)
            painter.drawText(
                label,
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(bar.label, Qt.TextElideMode.ElideRight, label_width),
            )
            rect = self.bar_rect(number)
            painter.fillRect(rect, pale if bar.muted else fill)
            count = QRect(rect.right() + self.PAD, top, self.width(), height)
            painter.drawText(
                count,
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                f"{bar.count:,}",
            )
        painter.end()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            number = (event.pos().y() - self.PAD) // self._row_height()
            if 0 <= number < len(self._bars):
                bar = self._bars[number]
                QToolTip.showText(
                    event.globalPos(), f"{bar.label}: {bar.count:,} contacts", self
                )
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def _on_model_changed(self, *_: object) -> None:
        self._bars = [
            Bar(
                f"Unknown ({row.value})" if row.unknown else row.label,
                row.contacts,
                row.locked,
                not row.offered,
            )
            for row in self._model.rows
        ]
        self.setAccessibleDescription(self.describe())
        self.updateGeometry()
        self.update()

    def _row_height(self) -> int:
        return max(self.fontMetrics().height(), self.ICON) + 6

    def _content_height(self) -> int:
        return 2 * self.PAD + len(self._bars) * self._row_height()

    def _columns(self) -> tuple[int, int, int]:
        """The label column's width, where bars start, and their longest length."""
        metrics = self.fontMetrics()
        widest = max(
            (metrics.horizontalAdvance(b.label) for b in self._bars), default=0
        )
        label_width = min(widest, int(self.width() * 0.4))
        counts = (metrics.horizontalAdvance(f"{b.count:,}") for b in self._bars)
        count_width = max(counts, default=0) + self.PAD
        left = self.PAD + self.ICON + 4 + label_width + self.PAD
        return label_width, left, max(0, self.width() - left - count_width - self.PAD)
