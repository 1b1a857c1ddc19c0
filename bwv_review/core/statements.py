"""Does a case still hold the state a statement was made from? (``verify --statement``)

Every export prints ``audit head N:HASH``: the number of audit entries and the hash of the
newest when it was made, and the fingerprints of the keys that signed the case. Because the
log only grows and each entry's hash covers all before it, the case still holds that state
exactly when its entry N has that hash (and is signed); anything else means it was
rewritten, replaced, or rolled back to an earlier state, which signatures alone cannot show.
"""

from __future__ import annotations

import html
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from . import audit, keys
from .errors import ReviewError
from .seals import signing_keys
from .store import CaseStore

HEAD = re.compile(r"audit head (\d{1,18}):([0-9a-f]{64})(?![0-9a-f])", re.IGNORECASE)
KEY = re.compile(re.escape(keys.PREFIX) + r"([0-9a-f]{32})(?![0-9a-f])", re.IGNORECASE)
MAX_READ = 512 << 20  # a statement, not footage: refuse to read more than this
_TAG = re.compile(r"<[^>]*>")


@dataclass
class Claim:
    """What a statement says about the case it was made from."""

    seq: int
    head_hash: str
    fingerprints: set[str] = field(default_factory=set)


def parse_head(text: str) -> tuple[int, str]:
    """``SEQ:HASH`` (as printed after "audit head") -> (seq, hash)."""
    m = re.fullmatch(r"\s*(?:audit head\s+)?(\d{1,18}):([0-9a-fA-F]{64})\s*", text, re.IGNORECASE)
    if not m:
        raise ReviewError(f"{text!r} is not an audit head; give it as SEQ:HASH, e.g. 21:9f86d081… (64 hex digits).")
    return int(m.group(1)), m.group(2).lower()


def _text_of(path: Path) -> str:
    try:
        size = path.stat().st_size
        if not path.is_file() or size > MAX_READ:
            raise ReviewError(f"{path} is not a statement file bwv-review can read.")
        data = path.read_bytes()
    except OSError as exc:
        raise ReviewError(f"The statement {path} cannot be read ({exc.strerror}).") from exc
    if data[:4] == b"PK\x03\x04":  # docx, xlsx: the text is in the XML parts
        try:
            with zipfile.ZipFile(path) as z:
                parts = [z.read(i) for i in z.infolist() if i.filename.endswith(".xml") and i.file_size < MAX_READ]
        except (zipfile.BadZipFile, OSError) as exc:
            raise ReviewError(f"{path} is damaged (not a readable DOCX/XLSX).") from exc
        return "\n".join(html.unescape(_TAG.sub("", p.decode("utf-8", "replace"))) for p in parts)
    text = data.decode("utf-8-sig", "replace")
    if data[:5] == b"%PDF-" and not HEAD.search(text):
        text += _pdf_text(path)
    return html.unescape(_TAG.sub(" ", text)) + "\n" + text


def _pdf_text(path: Path) -> str:
    """The text layer of a PDF whose head is not in its metadata (pypdf, when installed)."""
    try:
        from pypdf import PdfReader  # noqa: PLC0415 - optional: only for PDFs from other writers
    except ImportError:
        return ""
    try:
        reader = PdfReader(path)
        return "\n".join((page.extract_text() or "") for page in reader.pages)
    except Exception:  # noqa: BLE001 - any damage just means no text found, said below
        return ""


def read_statement(path: Path | str) -> Claim:
    """The audit head and key fingerprints a bwv-review export states."""
    path = Path(path)
    text = _text_of(path)
    heads = {(int(n), h.lower()) for n, h in HEAD.findall(text)}
    if not heads:
        raise ReviewError(f"No audit head was found in {path.name}; give the one printed on it with --head SEQ:HASH.")
    if len(heads) > 1:
        shown = ", ".join(f"{n}:{h[:12]}…" for n, h in sorted(heads))
        raise ReviewError(f"{path.name} quotes more than one audit head ({shown}); give the one in its "
                          "Integrity section with --head SEQ:HASH.")
    (seq, head_hash), = heads
    return Claim(seq, head_hash, {f.lower() for f in KEY.findall(text)})


@dataclass
class HeadCheck:
    problems: list[audit.Problem] = field(default_factory=list)
    since: list[dict] = field(default_factory=list)  # audit entries added after the statement's head


def check_claim(store: CaseStore, claim: Claim, covered_until: int | None = None) -> HeadCheck:
    """Whether the case still holds the state ``claim`` was made from, and what came after."""
    result = HeadCheck()
    db = store.db
    rows = audit.head(db)[0]
    found = db.conn.execute("SELECT hash FROM audit WHERE seq = ?", [claim.seq]).fetchone()
    if found is None:
        if claim.seq > rows:
            result.problems.append(audit.Problem("statement", (
                f"The case has been rolled back or replaced: the statement was made from audit entry {claim.seq}, "
                f"but the case now ends at entry {rows}.")))
        else:
            result.problems.append(audit.Problem("statement", (
                f"Audit entry {claim.seq}, which the statement was made from, is missing from the case.")))
    elif found[0] != claim.head_hash:
        result.problems.append(audit.Problem("statement", (
            f"The case no longer holds the state the statement was made from: its audit entry {claim.seq} has hash "
            f"{found[0][:16]}…, the statement says {claim.head_hash[:16]}…; the case was rewritten or replaced "
            "after the statement was issued.")))
    elif covered_until is not None and covered_until < claim.seq:
        result.problems.append(audit.Problem("statement", (
            f"Audit entry {claim.seq} matches the statement, but no valid signature covers it.")))
    listed = {fpr for _, fpr in signing_keys(store.db)}
    for fpr in sorted(claim.fingerprints - listed):
        result.problems.append(audit.Problem("statement", (
            f"The signing key {keys.shown(fpr)} printed on the statement is no longer listed in the case.")))
    if not result.problems:
        result.since = list(db.query("SELECT seq, at, actor, action, entity, entity_id FROM audit WHERE seq > ? "
                                     "ORDER BY seq", [claim.seq]))
    return result

