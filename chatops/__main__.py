"""``python -m chatops`` is the ``chatops`` command."""

import sys

from .cli import main

sys.exit(main())
