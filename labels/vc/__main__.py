"""``python -m labels.vc label.json``: the standalone verifier's command line."""

import sys

from .command_line import main

sys.exit(main())
