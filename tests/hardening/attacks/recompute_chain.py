"""Attack: change a quote, then rewrite the audit log to match and recompute every hash.

What an attacker with sqlite3 and bwv-review's source can do to a case file: the words
"He strangled me." become "He tangled me.", the audit entries that recorded them say so
too, and the hash chain and its head are recomputed end to end, so the chain alone looks
intact. Only the signed seals (which need the reviewer's private key) can tell.

    python recompute_chain.py CASE OLD NEW
"""

import hashlib
import json
import sqlite3
import sys


def canonical(value):
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def main(case, old, new):
    db = sqlite3.connect(case)
    db.execute("UPDATE annotation SET text = replace(text, ?, ?)", (old, new))
    prev = "0" * 64
    for row in db.execute("SELECT * FROM audit ORDER BY seq").fetchall():
        seq, at, actor, action, entity, entity_id, before, after, detail = row[:9]  # then prev_hash, hash, db_role
        before = before.replace(old, new) if before else before
        after = after.replace(old, new) if after else after
        fields = [seq, at, actor, action, entity, entity_id, before, after, detail, prev]
        digest = hashlib.sha256(canonical(fields).encode()).hexdigest()
        db.execute("UPDATE audit SET before=?, after=?, prev_hash=?, hash=? WHERE seq=?",
                   (before, after, prev, digest, seq))
        prev = digest
    db.execute("UPDATE audit_head SET hash = ? WHERE id = 1", (prev,))
    db.commit()
    db.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
