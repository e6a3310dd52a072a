"""`python -m intake ...`: see intake/cli.py."""

import sys

from intake.cli import main

sys.exit(main())
