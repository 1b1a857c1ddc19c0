"""Attack: add a seal with a made-up signature, or change the public key the case lists.

    python forge_seal.py CASE seal|key
"""

import sqlite3
import sys

if __name__ == "__main__":
    db = sqlite3.connect(sys.argv[1])
    if sys.argv[2] == "seal":
        last, head = db.execute("SELECT seq, hash FROM audit_head").fetchone()
        fpr = db.execute("SELECT fingerprint FROM signer LIMIT 1").fetchone()[0]
        db.execute("INSERT INTO audit_seal (first_seq, last_seq, head_hash, fingerprint, signed_at, signature) "
                   "VALUES (1, ?, ?, ?, '2030-01-01', ?)", (last, head, fpr, "00" * 64))
    else:
        db.execute("UPDATE signer SET public_key = ? WHERE id = 1", ("11" * 32,))
    db.commit()
    db.close()
