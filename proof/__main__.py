"""`python -m proof`: see proof/run.py."""

import sys

from .run import main

sys.exit(main())
