"""Fault injection: the knobs of ``/_simulator/settings``, applied together.

The form shows the simulator's settings as last read, unless someone is
editing it: a poll never overwrites an unapplied change. The QA API needs
no token and ignores the faults, so this tab works while "HubSpot" is
offline — it is how you turn it back on.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from talkapp.ui.hubspot_window.portal_client import FaultSettings, PortalClient
from talkapp.ui.hubspot_window.widgets import InlineMessage, alive
from talkapp.ui.tasks import TaskRunner

log = logging.getLogger("talkapp.ui.hubspot_window")

SettingsRead = tuple[FaultSettings, int]


def _spin(maximum: int, suffix: str, special: str | None = None) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(0, maximum)
    spin.setMinimumWidth(200)
    spin.setSuffix(suffix)
    spin.setGroupSeparatorShown(True)
    spin.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
    if special:
        spin.setSpecialValueText(special)
    return spin


class FaultsTab(QWidget):
    """Rate limits, errors, latency, search lag and "HubSpot offline"."""

    settings_read = Signal(object, int)  # FaultSettings, contacts in the portal
    stats_read = Signal(dict)

    def __init__(
        self, client: PortalClient, tasks: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.client = client
        self.tasks = tasks
        self.settings: FaultSettings | None = None
        self._dirty = False
        self._reading = False

        self.rate_limit = _spin(100_000, " per 10 s", "off (no limits)")
        self.rate_limit.setToolTip(
            "Requests per token per rolling 10 s; HubSpot's basic tier is 100. "
            "0 turns every limit off."
        )
        self.search_rate_limit = _spin(1_000, " per s", "off")
        self.search_rate_limit.setToolTip("Searches per second; HubSpot allows 5.")
        self.daily_limit = _spin(10_000_000, " per day", "off")
        self.error_rate = QDoubleSpinBox()
        self.error_rate.setRange(0, 100)
        self.error_rate.setMinimumWidth(200)
        self.error_rate.setDecimals(1)
        self.error_rate.setSuffix(" %")
        self.error_rate.setToolTip("Share of HubSpot requests answered 502 or 503")
        self.latency_ms = _spin(120_000, " ms")
        self.latency_ms.setToolTip("Added before every HubSpot answer")
        self.search_lag_ms = _spin(600_000, " ms")
        self.search_lag_ms.setToolTip("How long a write takes to reach search")
        self.offline = QCheckBox("HubSpot offline (every HubSpot path answers 503)")

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow("Rate limit", self.rate_limit)
        form.addRow("Search rate limit", self.search_rate_limit)
        form.addRow("Daily limit", self.daily_limit)
        form.addRow("Error rate", self.error_rate)
        form.addRow("Latency", self.latency_ms)
        form.addRow("Search lag", self.search_lag_ms)
        form.addRow("", self.offline)

        self.apply_button = QPushButton("Apply", self)
        self.revert_button = QPushButton("Revert", self)
        self.revert_button.setToolTip("Show the simulator's settings again")
        self.all_off_button = QPushButton("Turn all off", self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.apply_button)
        buttons.addWidget(self.revert_button)
        buttons.addStretch(1)
        buttons.addWidget(self.all_off_button)
        self.message = InlineMessage(self)
        self.stats = QLabel(self)
        self.stats.setWordWrap(True)
        self.stats.setAccessibleName("Requests served")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(self.stats)

        for spin in self._spins():
            spin.valueChanged.connect(self._on_form_edited)
        self.offline.toggled.connect(self._on_form_edited)
        self.apply_button.clicked.connect(self.apply)
        self.revert_button.clicked.connect(self.revert)
        self.all_off_button.clicked.connect(self.turn_all_off)
        self._update_buttons()

    @property
    def dirty(self) -> bool:
        return self._dirty

    # -- reading -----------------------------------------------------------------

    def reload(self) -> None:
        """Read the settings (and request counts); cheap, the QA API is unlimited."""
        if self._reading:
            return
        self._reading = True

        async def read() -> tuple[SettingsRead, dict[str, Any]]:
            return await self.client.settings(), await self.client.stats()

        def show(result: tuple[SettingsRead, dict[str, Any]]) -> None:
            self._reading = False
            if not alive(self):
                return
            (settings, contacts), stats = result
            self._show(settings, contacts)
            self._show_stats(stats)
            self.message.clear_message("read")

        def failed(message: str) -> None:
            self._reading = False
            if alive(self):
                self.message.show_error(
                    f"Could not read the settings — {message}", "read"
                )

        self.tasks.run(read(), label="", on_done=show, on_error=failed)

    def revert(self) -> None:
        self._dirty = False
        if self.settings is not None:
            self._fill(self.settings)
        self.reload()

    # -- writing -----------------------------------------------------------------

    def apply(self) -> None:
        """Send what the form changed, all in one PATCH."""
        wanted = self.form_settings()
        changes = (
            wanted.public()
            if self.settings is None
            else self.settings.changes_to(wanted)
        )
        if not changes:
            self._dirty = False
            self._update_buttons()
            return
        self._patch(changes, "Applied")

    def turn_all_off(self) -> None:
        base = self.settings or FaultSettings()
        self._patch(base.all_off(), "Every fault is off")

    def form_settings(self) -> FaultSettings:
        return FaultSettings(
            rate_limit=self.rate_limit.value(),
            search_rate_limit=self.search_rate_limit.value(),
            daily_limit=self.daily_limit.value(),
            error_rate=round(self.error_rate.value() / 100, 4),
            latency_ms=self.latency_ms.value(),
            search_lag_ms=self.search_lag_ms.value(),
            offline=self.offline.isChecked(),
        )

    # -- slots -------------------------------------------------------------------

    def _on_form_edited(self) -> None:
        self._dirty = self.settings is None or self.form_settings() != self.settings
        self._update_buttons()

    # -- internals ---------------------------------------------------------------

    def _patch(self, changes: dict[str, Any], done: str) -> None:
        """PATCH ``changes``; the answer replaces the form, edited or not."""

        def show(result: SettingsRead) -> None:
            if not alive(self):
                return
            settings, contacts = result
            self._dirty = False
            self._show(settings, contacts)
            faults = settings.in_force()
            self.message.show_note(
                f"{done}. " + (f"In force: {', '.join(faults)}." if faults else "")
            )

        def failed(message: str) -> None:
            if alive(self):
                self.message.show_error(f"The simulator refused — {message}")

        self.message.clear_message()
        self.tasks.run(
            self.client.change_settings(changes),
            label="Changing simulator faults",
            on_done=show,
            on_error=failed,
        )

    def _show(self, settings: FaultSettings, contacts: int) -> None:
        self.settings = settings
        if not self._dirty:
            self._fill(settings)
        self._update_buttons()
        self.settings_read.emit(settings, contacts)

    def _fill(self, settings: FaultSettings) -> None:
        widgets = [*self._spins(), self.offline]
        for widget in widgets:
            widget.blockSignals(True)
        self.rate_limit.setValue(settings.rate_limit)
        self.search_rate_limit.setValue(settings.search_rate_limit)
        self.daily_limit.setValue(settings.daily_limit)
        self.error_rate.setValue(settings.error_rate * 100)
        self.latency_ms.setValue(settings.latency_ms)
        self.search_lag_ms.setValue(settings.search_lag_ms)
        self.offline.setChecked(settings.offline)
        for widget in widgets:
            widget.blockSignals(False)

    def _show_stats(self, stats: dict[str, Any]) -> None:
        requests = stats.get("requests") or {}
        parts = [f"{name} {count:,}" for name, count in sorted(requests.items())]
        self.stats.setText(
            "HubSpot requests served since start: "
            + (", ".join(parts) if parts else "none")
        )
        self.stats_read.emit(stats)

    def _spins(self) -> list[QSpinBox | QDoubleSpinBox]:
        return [
            self.rate_limit,
            self.search_rate_limit,
            self.daily_limit,
            self.error_rate,
            self.latency_ms,
            self.search_lag_ms,
        ]

    def _update_buttons(self) -> None:
        self.apply_button.setEnabled(self._dirty)
        self.revert_button.setEnabled(self._dirty)
        faults = self.settings.in_force() if self.settings else []
        self.all_off_button.setEnabled(bool(faults))
