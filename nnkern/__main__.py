"""``python -m nnkern``: the ``nnkern`` command line."""

import sys

from .cli import main

sys.exit(main())
