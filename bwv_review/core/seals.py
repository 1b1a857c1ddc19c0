"""Signed seals over the audit chain: who vouches for which entries.

Every write transaction that adds audit entries ends with one *seal*: the reviewer's key
signs (first entry, last entry, the hash of the last entry). The hash chain ties the last
entry to every one before it, so a valid seal over entry N vouches for entries 1..N as
they stand; one signature per transaction keeps a 200,000-row import as cheap as one
annotation. The public keys live in the case (``signer``: reviewer name, key), each
listed through an audited entry, in the same transaction, the first time that key seals
something in this case (under the name of the reviewer who wrote it).

What a seal does not prove: that the file was not replaced by an *earlier*, equally
sealed state of itself (see ``evidence.check_head``: a statement's head catches that), or
that the key's owner did not sign it (a reviewer's own key on their own machine).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import audit, keys, schema
from .timecode import now_iso

if TYPE_CHECKING:
    from sqlite_utils import Database

SEAL_VERSION = "bwv-review audit seal 1"


def message(first: int, last: int, head_hash: str, fpr: str, signed_at: str) -> bytes:
    return f"{SEAL_VERSION}\n{first}\n{last}\n{head_hash}\n{fpr}\n{signed_at}".encode()


def listed(db: Database) -> set[str]:
    """Fingerprints of the keys the case lists."""
    return {r[0] for r in db.conn.execute("SELECT fingerprint FROM signer")}


def signing_keys(db: Database) -> list[tuple[str, str]]:
    """(reviewer name, fingerprint) for every key the case lists, in the order they were added."""
    return [(r[0], r[1]) for r in db.conn.execute("SELECT reviewer, fingerprint FROM signer ORDER BY id")]


def _list_key(db: Database, key: keys.SigningKey, name: str) -> None:
    row = {"reviewer": name, "fingerprint": key.fingerprint, "public_key": key.public_hex, "added": now_iso()}
    cur = db.conn.execute(
        "INSERT INTO signer (reviewer, fingerprint, public_key, added) VALUES (?, ?, ?, ?)", list(row.values())
    )
    after = {"id": cur.lastrowid, **row}
    audit.record(db, name, "signer.add", "signer", cur.lastrowid, after=after,
                 detail=f"signing key {keys.shown(key.fingerprint)}")


def seal(db: Database, key: keys.SigningKey, after_seq: int, known: set[str], name: str | None = None) -> bool:
    """Sign every audit entry after ``after_seq`` (inside the caller's write transaction).

    A key the case does not list yet is listed first (under ``name``, or the reviewer of
    the first of those entries), so the listing is sealed too. ``known`` caches listed
    fingerprints across transactions. Returns False when there was nothing to seal."""
    seq, head_hash = audit.head(db)
    if seq <= after_seq:
        return False
    fpr = key.fingerprint
    if fpr not in known:
        if not db.conn.execute("SELECT 1 FROM signer WHERE fingerprint = ?", [fpr]).fetchone():
            if name is None:
                name = db.conn.execute("SELECT actor FROM audit WHERE seq = ?", [after_seq + 1]).fetchone()[0]
            _list_key(db, key, name)
            seq, head_hash = audit.head(db)
        known.add(fpr)
    signed_at = now_iso()
    db.conn.execute(
        "INSERT INTO audit_seal (first_seq, last_seq, head_hash, fingerprint, signed_at, signature) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [after_seq + 1, seq, head_hash, fpr, signed_at, key.sign(message(after_seq + 1, seq, head_hash, fpr, signed_at))],
    )
    return True


@dataclass
class SealCheck:
    problems: list[audit.Problem] = field(default_factory=list)
    covered_until: int = 0  # every audit entry up to here is vouched for by a valid seal
    rows: int = 0


def _problem(text: str) -> audit.Problem:
    return audit.Problem("signature", text)


MAX_LISTED = 5  # a chain rewritten end to end breaks every seal: name a few, count the rest


def check(db: Database, thorough: bool = True) -> SealCheck:
    """Seals checked: listed key, valid signature, and the entry it sealed unchanged.

    ``thorough`` checks every seal (``verify``). Otherwise (exports, opening a case) seals
    are checked newest first until one is valid: by the chain it vouches for every entry
    before it, so what it leaves uncovered is exactly what a thorough check would, in one
    signature check instead of one per transaction ever made."""
    result = SealCheck()
    broken = 0
    hashes = dict(db.conn.execute("SELECT seq, hash FROM audit"))
    result.rows = max(hashes, default=0)
    public: dict[str, str] = {}
    for sid, name, fpr, pub in db.conn.execute("SELECT id, reviewer, fingerprint, public_key FROM signer ORDER BY id"):
        try:
            real = keys.fingerprint(pub)
        except (ValueError, TypeError):
            real = None
        if real != fpr:
            result.problems.append(_problem(
                f"Signing key {sid} listed for {name} does not match its fingerprint; the key list was edited."))
            continue
        public[fpr] = keys.public_key(pub)
    order = "id" if thorough else "last_seq DESC, id DESC"
    for sid, first, last, head_hash, fpr, signed_at, sig in db.conn.execute(
        f"SELECT id, first_seq, last_seq, head_hash, fingerprint, signed_at, signature FROM audit_seal ORDER BY {order}"
    ):
        why = _seal_problem(public, hashes, sid, first, last, head_hash, fpr, signed_at, sig)
        if why is None:
            result.covered_until = max(result.covered_until, last)
            if not thorough:
                break
            continue
        broken += 1
        if broken <= MAX_LISTED:
            result.problems.append(_problem(why))
    if broken > MAX_LISTED:
        result.problems.append(_problem(f"{broken - MAX_LISTED} more signatures fail in the same way."))
    if result.rows > result.covered_until:
        result.problems.append(_problem(
            f"Audit entries {result.covered_until + 1} to {result.rows} are not covered by a valid signature from a "
            "key listed in the case: they were written outside the app, or rewritten."))
    return result


def _seal_problem(public, hashes, sid, first, last, head_hash, fpr, signed_at, sig) -> str | None:
    where = f"Signature {sid} (audit entries {first} to {last})"
    if fpr not in public:
        return f"{where} is by key {keys.shown(str(fpr))}, which the case does not list."
    if not keys.verify_with(public[fpr], message(first, last, head_hash, fpr, signed_at), str(sig)):
        return f"{where} is not a valid signature: it was altered or forged."
    if last not in hashes:
        return f"{where} seals entry {last}, which is no longer in the audit log: entries were removed."
    if hashes[last] != head_hash:
        return (f"Audit entry {last} no longer matches {where[0].lower()}{where[1:]}: entries up to it were "
                "rewritten after they were signed.")
    return None


def signed_at_upgrade(db: Database) -> tuple[int, str, str] | None:
    """(last entry, when, by whom) if entries were written before the case was signed, i.e.
    in an earlier, unsigned format, and signed only when it was upgraded: they are vouched for
    as they stood then, not as they were written. None for a case signed from its start."""
    row = db.conn.execute("SELECT seq, at, actor FROM audit WHERE action = 'case.migrate' AND detail = ? "
                          "ORDER BY seq LIMIT 1", [f"case format {schema.SIGNED_FROM - 1} -> {schema.SIGNED_FROM}"]
                          ).fetchone()
    if row is None:
        return None
    content = db.conn.execute("SELECT max(seq) FROM audit WHERE seq < ? AND action <> 'case.migrate'", [row[0]])
    last = content.fetchone()[0]
    return (row[0] - 1, row[1], row[2]) if last else None
