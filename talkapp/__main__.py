"""Allow ``python -m talkapp``."""

from talkapp.cli import main

raise SystemExit(main())
