"""Nothing typed is lost while a server case is out of reach.

A change the server could not take because the connection was lost is kept in this
desktop's outbox (one JSON line per change, written and flushed to disk before the window
says anything), and sent, in order, through the same store operations when the connection
is back. A change that conflicts with what someone else did meanwhile is never forced in:
it is set aside in the outbox's ``refused`` file with the sentence saying why, for the
reviewer to read and redo by hand. A change whose commit was sent but never confirmed is
checked first (``ServerCase.reconnect`` finds whether its signed entry is in the case), so
it is neither lost nor made twice.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import paths
from .conflicts import ConflictError
from .errors import ReviewError
from .model import Annotation
from .timecode import now_iso

KINDS = ("add", "update", "delete")


@dataclass
class Change:
    """One reviewer's change to a mark: ``add`` (``annotation``), ``update`` (``changes`` to
    ``expected``, the mark as they saw it) or ``delete`` (``expected``)."""

    kind: str
    actor: str
    annotation: dict | None = None
    expected: dict | None = None
    changes: dict = field(default_factory=dict)
    queued: str = ""
    # [audit entry, hash] when the change was sent but the server's answer was lost: if that
    # entry is in the case, it was saved and is not sent again.
    landed_if: list | None = None

    def describe(self) -> str:
        if self.kind == "add":
            return f"new mark at {self.annotation.get('start_ms')} ms: {self.annotation.get('text', '')!r}"
        what = ", ".join(f"{k} {v!r}" for k, v in self.changes.items())
        return f"{self.kind} of mark {self.expected.get('id')}" + (f" ({what})" if what else "")


def perform(store, change: Change):
    """Make ``change`` as the core operation it was (one audited, signed transaction)."""
    from . import operations  # noqa: PLC0415 - operations import the store; the outbox is read first

    if change.kind == "add":
        return operations.add_annotation(store, Annotation(**change.annotation), change.actor)
    expected = Annotation(**change.expected)
    if change.kind == "update":
        return operations.edit_annotation(store, expected.id, change.actor, change.changes, expected=expected)
    if change.kind == "delete":
        return operations.delete_annotation(store, expected.id, change.actor, expected=expected)
    raise ReviewError(f"Unknown change {change.kind!r} in the outbox.")


class Outbox:
    """This desktop's waiting changes for one server case (``case_key``: its address key)."""

    def __init__(self, case_key: str):
        digest = hashlib.sha256(case_key.encode("utf-8")).hexdigest()[:16]
        folder = paths.data_dir() / "outbox"
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{digest}.jsonl"
        self.refused_path = folder / f"{digest}-refused.jsonl"

    def _append(self, target: Path, item: dict) -> None:
        with target.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def keep(self, change: Change) -> None:
        change.queued = change.queued or now_iso()
        self._append(self.path, asdict(change))

    def pending(self) -> list[Change]:
        try:
            lines = self.path.read_text("utf-8").splitlines()
        except FileNotFoundError:
            return []
        return [Change(**json.loads(line)) for line in lines if line.strip()]

    def refused(self) -> list[tuple[Change, str]]:
        try:
            lines = self.refused_path.read_text("utf-8").splitlines()
        except FileNotFoundError:
            return []
        out = []
        for line in lines:
            if line.strip():
                item = json.loads(line)
                why = item.pop("refused")
                out.append((Change(**item), why))
        return out

    def _rewrite(self, changes: list[Change]) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text("".join(json.dumps(asdict(c), ensure_ascii=False) + "\n" for c in changes), "utf-8")
        tmp.replace(self.path)

    def send(self, store) -> tuple[int, list[str]]:
        """Send every waiting change, oldest first. Returns (sent, sentences for those refused).
        Stops (keeping the rest, in order) if the connection is lost again."""
        waiting = self.pending()
        sent, refused = 0, []
        while waiting:
            change = waiting[0]
            try:
                if change.landed_if and store.db.execute(
                        "SELECT 1 FROM audit WHERE seq = ? AND hash = ?", change.landed_if).fetchone():
                    sent += 1  # it did reach the server before the connection went
                else:
                    perform(store, change)
                    sent += 1
            except ConflictError as exc:
                self._append(self.refused_path, {**asdict(change), "refused": str(exc)})
                refused.append(f"Your {change.describe()} was not sent: {exc}")
            except ReviewError as exc:
                if getattr(exc, "lost", False):
                    break
                self._append(self.refused_path, {**asdict(change), "refused": str(exc)})
                refused.append(f"Your {change.describe()} was not sent: {exc}")
            waiting.pop(0)
            self._rewrite(waiting)
        return sent, refused
