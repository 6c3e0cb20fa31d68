"""Help → About: the version and the licence from the package metadata."""

from __future__ import annotations

from importlib import metadata

from ui_harness import Harness

from talkapp import __version__
from talkapp.ui.context import UiContext
from talkapp.ui.main_window import MainWindow


def test_about_shows_the_version_and_the_licence_text(harness: Harness, qtbot) -> None:
    ctx = UiContext(harness.engine)
    main = MainWindow(ctx)
    qtbot.addWidget(main)
    try:
        box = main.show_about()
        assert box.isVisible()
        assert __version__ == metadata.version("talkapp")
        assert f"<b>Talk</b> {__version__}" in box.text()
        assert "Released under the MIT licence." in box.text()
        assert box.detailedText().startswith("MIT License")
        assert "WITHOUT WARRANTY OF ANY KIND" in box.detailedText()
        box.close()
    finally:
        ctx.tasks.close()
        harness.run(ctx.tasks.wait_idle())
        ctx.events.detach()
