"""Attack: take the case back to an earlier state without leaving a trace in it: remove the
newest audit entries, their seals and the change they made (here: the newest annotation),
and set the head back. Everything left is still validly signed.

    python roll_back.py CASE
"""

import sqlite3
import sys

if __name__ == "__main__":
    db = sqlite3.connect(sys.argv[1])
    seq, entity, entity_id = db.execute(
        "SELECT seq, entity, entity_id FROM audit WHERE action = 'annotation.add' ORDER BY seq DESC LIMIT 1").fetchone()
    db.execute(f"DELETE FROM {entity} WHERE id = ?", (entity_id,))
    db.execute("DELETE FROM audit WHERE seq >= ?", (seq,))
    db.execute("DELETE FROM audit_seal WHERE last_seq >= ?", (seq,))
    db.execute("UPDATE audit_head SET seq = ?, hash = (SELECT hash FROM audit WHERE seq = ?)", (seq - 1, seq - 1))
    db.commit()
    db.close()
