"""A reviewer's desktop in its own process, for concurrency and crash tests.

python -m tests.pg.reviewer_process CASE COUNT TAG NAME
CASE is a case file or a server address. Prints "ACK <id>" once each mark's transaction
has committed (the moment the window would show it saved).
"""

import sys

from bwv_review.core.cases import open_case
from bwv_review.core.model import Annotation


def main() -> None:
    location, count, tag, name = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    store = open_case(location, actor=name)
    ex = store.exhibit("AB/1")
    cat = store.category("disclosure")
    for i in range(count):
        ann = store.add_annotation(
            Annotation(exhibit_id=ex.id, category_id=cat.id, start_ms=i % 2000, text=f"{tag} {i}"), name)
        print(f"ACK {ann.id}", flush=True)
    store.close()


if __name__ == "__main__":
    main()
