"""The frozen app's entry point: the same as the ``talkapp`` console script.

A frozen app has no ``python -m``, so it is also the store writer process a
long first sync starts (``talkapp/sync/writer.py``): the app runs itself
with ``--store-writer`` first, which must not load the command line or Qt.
"""

import sys

from talkapp.sync.writer import FROZEN_FLAG

if sys.argv[1:2] == [FROZEN_FLAG]:
    from talkapp.sync.writer import main as writer_main

    raise SystemExit(writer_main(sys.argv[2:]))

from talkapp.cli import main

raise SystemExit(main())
