"""python main.py [CASE]: start bwv-review (same as the bwv-review command)."""

import sys

from bwv_review.app import main

if __name__ == "__main__":
    sys.exit(main())
