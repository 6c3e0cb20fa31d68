"""The frozen app's entry point: the same as the ``talkapp`` console script."""

from talkapp.cli import main

raise SystemExit(main())
