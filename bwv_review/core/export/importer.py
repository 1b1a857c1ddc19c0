"""Bringing annotations back in from ELAN (.eaf), a spreadsheet log (.csv) or JSON.

All or nothing: the whole file is read and every annotation checked against the case
first; then ``CaseStore.add_annotations`` adds them in one transaction, each with its own
audit row (action ``annotation.import``, detail naming the file), and links again the
annotations the file says were one event. A file that is wrong anywhere adds nothing.

A file naming its exhibits (a bwv-review CSV or JSON log) puts each annotation on the
exhibit of that ref in this case: a whole-case JSON restores every exhibit at once.
Otherwise, or with ``exhibit_ref``, every annotation goes to that one exhibit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ReviewError
from ..model import Annotation
from ..store import CaseStore
from ..timecode import format_ms
from .eaf_read import read_eaf
from .import_tables import Incoming, read_csv, read_json, refusal, shown

IMPORT_FORMATS = ("eaf", "csv", "json")
Progress = Callable[[int, int], None]
__all__ = ["IMPORT_FORMATS", "ImportResult", "Incoming", "Prepared", "import_annotations", "import_file", "prepare_import",
           "read_annotations", "write_import"]


@dataclass
class ImportResult:
    added: list[Annotation]
    warnings: list[str] = field(default_factory=list)
    links: list[list[int]] = field(default_factory=list)  # ids of the annotations linked as one event
    summary: list[str] = field(default_factory=list)  # what came in, and what did not


def read_annotations(path: Path | str, tiers: str = "auto",
                     categories: set[str] | None = None) -> tuple[list[Incoming], list[str], dict]:
    """Parse a file into ``Incoming`` annotations (no case needed), warnings, and metadata."""
    path = Path(path)
    if not path.is_file():
        raise ReviewError(f"{path} does not exist (nothing was added).")
    kind = path.suffix.lower().lstrip(".")
    if kind == "eaf":
        return read_eaf(path, tiers, categories or set())
    if kind == "csv":
        return read_csv(path), [], {}
    if kind == "json":
        items, exhibits = read_json(path)
        return items, [], {"exhibits": exhibits}
    raise ReviewError(f"{path.name}: import reads .eaf, .csv or .json files; nothing was added.")


def _targets(store: CaseStore, path: Path, items: list[Incoming], exhibit_ref: str | None,
             source_exhibit: str | None, meta: dict) -> tuple[list[Incoming], dict[str, object], list[str]]:
    """The items to import, the exhibit each goes to (by the file's ref), and warnings."""
    warnings: list[str] = []
    if source_exhibit:
        wanted = source_exhibit.strip().casefold()
        items = [i for i in items if (i.exhibit or "").strip().casefold() == wanted]
        if not items:
            raise ReviewError(f"{path.name} holds no annotations for exhibit {shown(source_exhibit)}; nothing was added.")
    refs = sorted({i.exhibit for i in items if i.exhibit})
    if exhibit_ref:
        if len(refs) > 1 and not source_exhibit:
            raise ReviewError(f"{path.name} holds annotations for several exhibits ({', '.join(refs)}); choose "
                              "one with --from REF, or leave out --exhibit to import each into its own. "
                              "Nothing was added.")
        target = store.exhibit(exhibit_ref)
        made_for = meta.get("sha256")
        if made_for and made_for != target.sha256:
            warnings.append(f"{path.name} was made for exhibit {meta.get('exhibit') or '?'} (other footage); its "
                            f"times were applied to {target.ref} as they are.")
        return items, {i.exhibit: target for i in items}, warnings
    if any(not i.exhibit for i in items):
        raise ReviewError(f"{path.name} does not say which exhibit its annotations belong to; choose one with "
                          "--exhibit REF. Nothing was added.")
    known = {ex.ref.casefold(): ex for ex in store.exhibits()}
    missing = [r for r in refs if r.strip().casefold() not in known]
    if missing:
        raise ReviewError(f"{path.name} names exhibit(s) {', '.join(shown(r) for r in missing[:8])} that this case "
                          "does not hold; add the footage first, or choose one exhibit with --exhibit REF. "
                          "Nothing was added.")
    by_ref = {r: known[r.strip().casefold()] for r in refs}
    for ref, sha in (meta.get("exhibits") or {}).items():
        ex = by_ref.get(ref)
        if ex is not None and sha and sha != ex.sha256:
            warnings.append(f"{path.name} gives exhibit {ref} another SHA-256 than this case's footage; its times "
                            "were applied to this case's footage as they are.")
    return items, by_ref, warnings


@dataclass
class Prepared:
    """A file read and checked against the case, ready to be written (``write_import``)."""

    path: Path
    items: list[Incoming]
    annotations: list[Annotation]
    labels: list  # one event-link label (or None) per annotation
    targets: dict
    meta: dict
    warnings: list[str]
    dangling: int  # annotations linked to ones not in this file: their links are dropped


def prepare_import(
    store: CaseStore,
    path: Path | str,
    *,
    exhibit_ref: str | None = None,
    source_exhibit: str | None = None,
    tiers: str = "auto",
    default_category: str = "other",
) -> Prepared:
    """Read ``path`` and check its annotations against the case, writing nothing (so a large
    file is parsed without holding the case's write lock); refused in one sentence."""
    path = Path(path)
    cats = store.categories()
    by_name = {c.slug.casefold(): c for c in cats} | {c.name.casefold(): c for c in cats}
    items, warnings, meta = read_annotations(path, tiers, set(by_name))
    if not items:
        raise ReviewError(f"{path.name} holds no annotations to import; nothing was added.")
    items, targets, more = _targets(store, path, items, exhibit_ref, source_exhibit, meta)
    warnings += more
    source = f"import:{path.suffix.lower().lstrip('.')}"
    fallback = by_name.get(default_category.strip().casefold())
    anns, labels, problems = [], [], []
    for item in items:
        cat = by_name.get((item.category or "").strip().casefold()) if item.category else fallback
        if cat is None:
            name = item.category or default_category
            problems.append(f"{item.where}: no category {shown(name)} in this case "
                            f"(categories: {', '.join(c.slug for c in cats)})")
            continue
        ex = targets[item.exhibit]
        anns.append(Annotation(exhibit_id=ex.id, start_ms=item.start_ms, end_ms=item.end_ms, category_id=cat.id,
                               speaker=item.speaker, text=item.text, note=item.note, status=item.status,
                               reviewer=item.reviewer, source=source))
        labels.append(item.link)
    if problems:
        raise refusal(path, problems)
    # A label shared by one annotation only links it to nothing in this import: drop it.
    counts = Counter(label for label in labels if label is not None)
    dangling = sum(1 for label in labels if label is not None and counts[label] < 2)
    labels = [label if label is not None and counts[label] > 1 else None for label in labels]
    return Prepared(path, items, anns, labels, targets, meta, warnings, dangling)


def write_import(store: CaseStore, prepared: Prepared, actor: str, progress: Progress | None = None) -> ImportResult:
    """Add a prepared file's annotations (and their event links) in one transaction, or none:
    each is checked again there, against the case as it is then."""
    p = prepared
    try:
        added = store.add_annotations(p.annotations, actor, detail=f"imported from {p.path.name}",
                                      link_groups=p.labels if any(p.labels) else None, progress=progress)
    except ReviewError as exc:
        raise _where(p.path, p.items, exc) from exc
    return ImportResult(added, p.warnings, _links(added), _summary(p.path, added, p.targets, p.meta, p.dangling))


def import_file(
    store: CaseStore,
    path: Path | str,
    actor: str,
    *,
    exhibit_ref: str | None = None,
    source_exhibit: str | None = None,
    tiers: str = "auto",
    default_category: str = "other",
    progress: Progress | None = None,
) -> ImportResult:
    """Read ``path`` and add its annotations (and their event links) in one go, or add none.

    ``progress(done, total)`` hears about the annotations as they are written. A front end
    runs ``operations.import_annotations`` (the same, as one undoable change)."""
    prepared = prepare_import(store, path, exhibit_ref=exhibit_ref, source_exhibit=source_exhibit, tiers=tiers,
                              default_category=default_category)
    return write_import(store, prepared, actor, progress)


def _where(path: Path, items: list[Incoming], exc: ReviewError) -> ReviewError:
    """The store's "Annotation n of N: ..." as the file's own place."""
    text = str(exc)
    if text.startswith("Annotation ") and " of " in text and ": " in text:
        head, _, why = text.partition(": ")
        n = int(head.split()[1])
        item = items[n - 1]
        start = format_ms(item.start_ms) if item.start_ms <= 10**12 else "a time"
        return refusal(path, [f"{item.where} ({start}): {why.rstrip('.')}"])
    return exc


def _links(added: list[Annotation]) -> list[list[int]]:
    groups: dict[int, list[int]] = {}
    for a in added:
        if a.event is not None:
            groups.setdefault(a.event, []).append(a.id)
    return list(groups.values())


def _summary(path: Path, added: list[Annotation], targets: dict, meta: dict, dangling: int) -> list[str]:
    per = Counter(a.exhibit_id for a in added)
    names = {ex.id: ex.ref for ex in targets.values()}
    lines = [f"{n} annotation(s) into exhibit {names[ex_id]}" for ex_id, n in sorted(per.items(), key=lambda x: names[x[0]])]
    links = _links(added)
    if links:
        lines.append(f"{len(links)} event link(s) restored ({sum(len(g) for g in links)} annotations)")
    if dangling:
        lines.append(f"{dangling} annotation(s) were linked to annotations not in this import; those links "
                     "were not kept")
    return lines + list(meta.get("summary", []))


def import_annotations(store: CaseStore, path: Path | str, exhibit_ref: str | None, actor: str, *,
                       source_exhibit: str | None = None, tiers: str = "auto",
                       default_category: str = "other", progress: Progress | None = None) -> ImportResult:
    """``import_file`` with the exhibit first (the earlier signature)."""
    return import_file(store, path, actor, exhibit_ref=exhibit_ref, source_exhibit=source_exhibit, tiers=tiers,
                       default_category=default_category, progress=progress)
