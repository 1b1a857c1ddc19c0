"""Attack: make a signed case look like one from an earlier, unsigned format (4), change a
quote, and recompute the whole chain, hoping the reviewer's own "upgrade" then signs the forgery
with the reviewer's key (which every other computer already trusts).

The signature tables and the later formats' schema go, the entries that mention them are
dropped, the rest renumbered and re-hashed as format 4 hashed them, and user_version set to 4.

    python downgrade.py CASE OLD NEW
"""

import hashlib
import json
import sqlite3
import sys

LATER = ("signer", "audit_seal", "redaction", "redacted_copy")


def canonical(value):
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def main(case, old, new):
    db = sqlite3.connect(case)
    for table in LATER:
        db.execute(f"DROP TABLE {table}")
    db.execute("DROP INDEX audit_entity")
    db.execute("ALTER TABLE audit DROP COLUMN db_role")
    db.execute("DELETE FROM sqlite_sequence WHERE name IN (?, ?, ?, ?)", LATER)
    db.execute("UPDATE annotation SET text = replace(text, ?, ?)", (old, new))
    rows = db.execute("SELECT at, actor, action, entity, entity_id, before, after, detail FROM audit ORDER BY seq")
    rows = rows.fetchall()
    db.execute("DELETE FROM audit")
    prev, seq = "0" * 64, 0
    for at, actor, action, entity, entity_id, before, after, detail in rows:
        if entity in LATER or (action == "case.migrate" and detail.split(" -> ")[-1] not in ("2", "3", "4")):
            continue
        seq += 1
        before = before.replace(old, new) if before else before
        after = after.replace(old, new) if after else after
        fields = [seq, at, actor, action, entity, entity_id, before, after, detail, prev]
        prev = hashlib.sha256(canonical(fields).encode()).hexdigest()
        db.execute("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (*fields, prev))
    db.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (seq, prev))
    db.execute("PRAGMA user_version = 4")
    db.commit()
    db.execute("VACUUM")
    db.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
