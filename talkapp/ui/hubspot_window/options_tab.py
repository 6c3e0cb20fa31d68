"""The Lead Status option list, edited the way HubSpot's settings page does.

These are the changes that test Talk's lock handling: a rename must reach
Talk's label, a hidden option must stop being offered, a deleted one must be
detached. Each edit reads the list fresh and PATCHes the whole of it back
(HubSpot's API has no per-option call), so an edit made elsewhere since the
last poll is kept rather than overwritten. HubSpot's 400s are shown inline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from talkapp.ui.hubspot_window import portal_client as pc
from talkapp.ui.hubspot_window.models import LABEL, VALUE, OptionsModel
from talkapp.ui.hubspot_window.portal_client import LeadStatusOption, PortalClient
from talkapp.ui.hubspot_window.widgets import InlineMessage, alive
from talkapp.ui.tasks import TaskRunner

log = logging.getLogger("talkapp.ui.hubspot_window")

Edit = Callable[[list[LeadStatusOption]], list[LeadStatusOption]]
NOTE = (
    "HubSpot sends no webhook when options change: Talk sees these edits at "
    "its next poll of the property."
)


class OptionsTab(QWidget):
    """Add, rename, reorder, hide and delete ``hs_lead_status`` options."""

    options_changed = Signal(list)  # the portal's list after an edit

    def __init__(
        self,
        client: PortalClient,
        tasks: TaskRunner,
        model: OptionsModel,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.client = client
        self.tasks = tasks
        self.model = model
        self._loading = False
        self._selected_value: str | None = None
        self._doomed: str | None = None  # the option awaiting delete confirmation

        self.table = QTableView(self)
        self.table.setModel(model)
        self.table.setAccessibleName("Lead status options")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.setColumnWidth(LABEL, 220)
        self.table.setColumnWidth(VALUE, 220)

        self.rename_button = QPushButton("Rename", self)
        self.rename_button.setToolTip("Edit the label in place (F2)")
        self.up_button = QPushButton("Move up", self)
        self.down_button = QPushButton("Move down", self)
        self.hide_button = QPushButton("Hide", self)
        self.delete_button = QPushButton("Delete…", self)
        buttons = QVBoxLayout()
        for button in (
            self.rename_button,
            self.up_button,
            self.down_button,
            self.hide_button,
            self.delete_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)

        self.confirm = QWidget(self)
        self.confirm_text = QLabel(self.confirm)
        self.confirm_delete = QPushButton("Delete", self.confirm)
        self.confirm_cancel = QPushButton("Cancel", self.confirm)
        confirm = QHBoxLayout(self.confirm)
        confirm.setContentsMargins(0, 0, 0, 0)
        confirm.addWidget(self.confirm_text, 1)
        confirm.addWidget(self.confirm_delete)
        confirm.addWidget(self.confirm_cancel)
        self.confirm.hide()

        self.new_label = QLineEdit(self)
        self.new_label.setPlaceholderText("Label, e.g. Call back later")
        self.new_label.setAccessibleName("New option label")
        self.new_value = QLineEdit(self)
        self.new_value.setPlaceholderText("Internal value (from the label)")
        self.new_value.setAccessibleName("New option internal value")
        self.add_button = QPushButton("Add", self)
        add = QHBoxLayout()
        add.addWidget(QLabel("New option:", self))
        add.addWidget(self.new_label, 2)
        add.addWidget(self.new_value, 2)
        add.addWidget(self.add_button)

        self.message = InlineMessage(self)
        note = QLabel(NOTE, self)
        note.setWordWrap(True)
        middle = QHBoxLayout()
        middle.addWidget(self.table, 1)
        middle.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(middle, 1)
        layout.addWidget(self.confirm)
        layout.addLayout(add)
        layout.addWidget(self.message)
        layout.addWidget(note)

        self.rename_button.clicked.connect(self.start_rename)
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button.clicked.connect(lambda: self.move_selected(1))
        self.hide_button.clicked.connect(self.toggle_hidden)
        self.delete_button.clicked.connect(self.ask_delete)
        self.confirm_delete.clicked.connect(self.delete_confirmed)
        self.confirm_cancel.clicked.connect(self._end_confirm)
        self.add_button.clicked.connect(self.add_option)
        self.new_label.returnPressed.connect(self.add_option)
        self.new_value.returnPressed.connect(self.add_option)
        self.new_label.textChanged.connect(self._update_buttons)
        model.label_edited.connect(self._on_model_label_edited)
        model.modelAboutToBeReset.connect(self._on_model_about_to_be_reset)
        model.modelReset.connect(self._on_model_reset)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self._update_buttons()

    # -- reading -----------------------------------------------------------------

    def reload(self) -> None:
        """Read the list again; an open label editor is left alone."""
        editing = self.table.state() == QAbstractItemView.State.EditingState
        if self._loading or editing:
            return
        self._loading = True

        def show(options: list[LeadStatusOption]) -> None:
            self._loading = False
            if alive(self):
                self.model.set_options(options)
                self.message.clear_message("read")

        def failed(message: str) -> None:
            self._loading = False
            if alive(self):
                self.message.show_error(
                    f"Could not read the options — {message}", "read"
                )

        self.tasks.run(
            self.client.lead_status_options(),
            label="",
            on_done=show,
            on_error=failed,
        )

    # -- the edits ---------------------------------------------------------------

    def add_option(self) -> None:
        label = self.new_label.text().strip()
        value = self.new_value.text().strip() or pc.value_for(label)
        if not label:
            return
        self._edit(
            f"Added {label} ({value})",
            lambda options: pc.added(options, label, value),
            select=value,
            on_done=self._clear_form,
        )

    def start_rename(self) -> None:
        row = self._selected_row()
        if row is not None:
            self.table.edit(self.model.index(row, LABEL))

    def rename(self, value: str, label: str) -> None:
        self._edit(
            f"Renamed {value} to {label}",
            lambda options: pc.renamed(options, value, label),
            select=value,
        )

    def move_selected(self, step: int) -> None:
        option = self._selected_option()
        if option is not None:
            self._edit(
                f"Moved {option.label} {'up' if step < 0 else 'down'}",
                lambda options: pc.moved(options, option.value, step),
                select=option.value,
            )

    def toggle_hidden(self) -> None:
        option = self._selected_option()
        if option is None:
            return
        hide = not option.hidden
        self._edit(
            f"{'Hid' if hide else 'Unhid'} {option.label}",
            lambda options: pc.hidden(options, option.value, hide),
            select=option.value,
        )

    def ask_delete(self) -> None:
        """Deleting asks once, inline: a deleted option is gone for every contact."""
        option = self._selected_option()
        if option is None:
            return
        self._doomed = option.value
        self.confirm_text.setText(
            f"Delete {option.label} ({option.value})? Contacts keep the value; "
            "Talk should detach it."
        )
        self.confirm.show()
        self.confirm_delete.setFocus()

    def delete_confirmed(self) -> None:
        value = self._doomed
        self._end_confirm()
        if value is not None:
            self._edit(f"Deleted {value}", lambda options: pc.deleted(options, value))

    # -- slots -------------------------------------------------------------------

    def _on_model_label_edited(self, value: str, label: str) -> None:
        self.rename(value, label)

    def _on_model_about_to_be_reset(self) -> None:
        option = self._selected_option()
        self._selected_value = option.value if option else self._selected_value

    def _on_model_reset(self) -> None:
        if self._selected_value is not None:
            self._select(self._selected_value)
        self._update_buttons()

    # -- internals ---------------------------------------------------------------

    def _edit(
        self,
        done_text: str,
        change: Edit,
        *,
        select: str | None = None,
        on_done: Callable[[], None] | None = None,
    ) -> None:
        """Read the list, apply ``change``, PATCH the whole list back."""
        client = self.client

        async def run() -> list[LeadStatusOption]:
            current = await client.lead_status_options()
            return await client.set_lead_status_options(change(current))

        def show(options: list[LeadStatusOption]) -> None:
            if not alive(self):
                return
            if select is not None:
                self._selected_value = select
            self.model.set_options(options)
            self.message.show_note(done_text)
            if on_done is not None:
                on_done()
            self.options_changed.emit(options)

        def failed(message: str) -> None:
            if alive(self):
                self.message.show_error(f"HubSpot refused the change — {message}")

        self.message.clear_message()
        self.tasks.run(
            run(), label="Changing lead-status options", on_done=show, on_error=failed
        )

    def _selected_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def _selected_option(self) -> LeadStatusOption | None:
        row = self._selected_row()
        return None if row is None else self.model.option(row)

    def _select(self, value: str) -> None:
        row = self.model.row_of(value)
        if row is not None:
            self.table.selectRow(row)

    def _clear_form(self) -> None:
        self.new_label.clear()
        self.new_value.clear()

    def _end_confirm(self) -> None:
        self._doomed = None
        self.confirm.hide()

    def _update_buttons(self) -> None:
        option = self._selected_option()
        row = self._selected_row()
        for button in (self.rename_button, self.hide_button, self.delete_button):
            button.setEnabled(option is not None)
        self.up_button.setEnabled(row is not None and row > 0)
        self.down_button.setEnabled(row is not None and row < self.model.rowCount() - 1)
        self.hide_button.setText("Unhide" if option and option.hidden else "Hide")
        self.add_button.setEnabled(bool(self.new_label.text().strip()))
        if option is not None:
            self._selected_value = option.value
