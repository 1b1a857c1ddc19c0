"""A separate process that writes annotations to a case, for crash and concurrency tests.

python -m tests.core.writer_process CASE COUNT TAG
Prints "ACK <id>" after each annotation's transaction has committed (the moment the tool
would tell a reviewer it is saved).
"""

import sys

from bwv_review.core.model import Annotation
from bwv_review.core.store import CaseStore


def main() -> None:
    path, count, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    store = CaseStore.open(path)
    ex = store.exhibit("AB/1")
    cat = store.category("disclosure")
    for i in range(count):
        ann = store.add_annotation(
            Annotation(exhibit_id=ex.id, category_id=cat.id, start_ms=i % 2000, text=f"{tag} {i}"), tag
        )
        print(f"ACK {ann.id}", flush=True)
    store.close()


if __name__ == "__main__":
    main()
