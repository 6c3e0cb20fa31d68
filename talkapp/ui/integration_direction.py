"""The HubSpot panel's direction box: which way lead statuses flow.

The engine refuses Talk → HubSpot alone; this box lists it, disabled and
explained, so nobody goes looking for it, and puts the choice back if code
checks it anyway.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGroupBox,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from talkapp.store.models import DEFAULT_DIRECTION, Direction
from talkapp.ui.integration_parts import message_label, show_message

UNSUPPORTED = Direction.TALK_TO_HUBSPOT
CHOICES = (Direction.HUBSPOT_TO_TALK, Direction.TWO_WAY, UNSUPPORTED)
CHOICE_TEXT = {
    Direction.HUBSPOT_TO_TALK: f"{Direction.HUBSPOT_TO_TALK.label} (default)",
    Direction.TWO_WAY: f"{Direction.TWO_WAY.label} (two-way)",
    UNSUPPORTED: f"{UNSUPPORTED.label}: not supported",
}
RESET_NOTE = (
    f"Connecting or reconnecting always starts at {DEFAULT_DIRECTION.label}; "
    "turn two-way on again afterwards if you want it."
)


class DirectionBox(QGroupBox):
    """A radio per direction, the reset note, and the box's messages."""

    direction_requested = Signal(object)
    """The user picked a supported direction other than the current one."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Sync direction", parent)
        self.current: Direction | None = None  # the engine's, as last loaded

        layout = QVBoxLayout(self)
        self._direction_group = QButtonGroup(self)
        self.direction_radios: dict[Direction, QRadioButton] = {}
        for number, direction in enumerate(CHOICES):
            radio = QRadioButton(CHOICE_TEXT[direction], self)
            self._direction_group.addButton(radio, number)
            self.direction_radios[direction] = radio
            layout.addWidget(radio)
        unsupported = self.direction_radios[UNSUPPORTED]
        unsupported.setEnabled(False)
        unsupported.setToolTip(
            "Not supported: HubSpot stays the source of lead statuses, so Talk "
            "never sends changes without also receiving HubSpot's."
        )
        unsupported.toggled.connect(self._on_unsupported_radio_toggled)
        self._direction_group.idClicked.connect(self._on_direction_group_id_clicked)

        self.direction_note = QLabel(RESET_NOTE, self)
        self.direction_note.setWordWrap(True)
        self.direction_reset_label = message_label(self)
        self.direction_reset_label.setStyleSheet("color: #6b4e00;")
        self.direction_error = message_label(self, error=True)
        layout.addWidget(self.direction_note)
        layout.addWidget(self.direction_reset_label)
        layout.addWidget(self.direction_error)

    def show_direction(self, direction: Direction) -> None:
        """Check ``direction``'s radio; never the unsupported one."""
        shown = direction if direction is not UNSUPPORTED else DEFAULT_DIRECTION
        self.direction_radios[shown].setChecked(True)

    def set_choosable(self, enabled: bool) -> None:
        """Let the supported directions be picked, or say why they cannot."""
        for direction, radio in self.direction_radios.items():
            radio.setEnabled(enabled and direction is not UNSUPPORTED)
        tip = "" if enabled else "Connect to HubSpot to choose a direction."
        for direction in (Direction.HUBSPOT_TO_TALK, Direction.TWO_WAY):
            self.direction_radios[direction].setToolTip(tip)

    def show_reset(self, message: str) -> None:
        """Say the engine put the direction back to the default, and why."""
        show_message(self.direction_reset_label, message)

    def show_error(self, text: str) -> None:
        """Say why the engine refused a direction; the radios show the old one."""
        show_message(self.direction_error, text)

    def hide_messages(self) -> None:
        """Clear old news before a new ask, so no message outlives its cause."""
        self.direction_error.hide()
        self.direction_reset_label.hide()

    def _on_direction_group_id_clicked(self, number: int) -> None:
        direction = CHOICES[number]
        if direction is not UNSUPPORTED and direction is not self.current:
            self.direction_requested.emit(direction)

    def _on_unsupported_radio_toggled(self, checked: bool) -> None:
        # The radio is disabled, but code can still check it: put it back.
        if checked:
            current = self.current
            self.show_direction(current if current is not None else DEFAULT_DIRECTION)


__all__ = ["DirectionBox"]
