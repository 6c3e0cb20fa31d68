"""What every view needs, handed over as one object."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from talkapp.sync.engine import Role, SyncEngine
from talkapp.ui.bridge import EngineEvents
from talkapp.ui.simulator import BuiltInSimulator
from talkapp.ui.tasks import TaskRunner


class UiContext(QObject):
    """The engine, its events, the task runner and the agent/admin role.

    ``role`` is a UI switch, not security: it decides which edit controls
    exist. The engine itself refuses admin edits made with ``Role.AGENT``.
    """

    role_changed = Signal(str)

    def __init__(
        self,
        engine: SyncEngine,
        *,
        simulator: BuiltInSimulator | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.events = EngineEvents(engine, self)
        self.tasks = TaskRunner(self)
        self.simulator = simulator
        self._role = Role.AGENT

    @property
    def role(self) -> Role:
        return self._role

    def set_role(self, role: Role) -> None:
        if role is not self._role:
            self._role = role
            self.role_changed.emit(role.value)
