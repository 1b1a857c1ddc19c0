"""python -m bwv_review: the same as the bwv-review command."""

import sys

from bwv_review.app import main

sys.exit(main())
