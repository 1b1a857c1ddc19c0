"""Subcommands about trusting a case: verify (with --statement / --head), upgrade, identity,
media-root."""

from __future__ import annotations

from pathlib import Path

from .. import paths
from ..core import audit, cases, footage_paths, keys, seals
from ..core.errors import ReviewError
from ..core.evidence import verify
from ..core.statements import Claim, check_claim, parse_head, read_statement
from ..core.store import CaseStore
from .common import REVIEWER_ENV, StderrProgress, emit, open_case, reviewer, warn


def register(sub) -> None:
    p = sub.add_parser(
        "verify",
        help="check footage hashes, the audit chain, its signatures and every record",
        description="Exit 0 when everything is sound; exit 1 listing every problem found. With --statement "
                    "(or --head), also prove whether the case still holds the state a statement was made from.",
    )
    p.add_argument("case")
    claim = p.add_mutually_exclusive_group()
    claim.add_argument("--statement", metavar="FILE",
                       help="an export made earlier (pdf, docx, html, csv, xlsx, json, srt, vtt, eaf)")
    claim.add_argument("--head", metavar="SEQ:HASH", help="the audit head printed on a statement, e.g. 21:9f86…")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser(
        "upgrade",
        help="bring a case from an earlier bwv-review up to this version's format (signed, audited)",
        description="Upgrades the case file in place, keeping a copy of the old file beside it "
                    "(*.formatN.bak). Its earlier audit entries are signed as they stand.",
    )
    p.add_argument("case")
    p.add_argument("--reviewer")
    p.set_defaults(func=cmd_upgrade)

    p = sub.add_parser("identity", help="who you are here: reviewer name and this computer's signing key")
    p.add_argument("--reviewer")
    p.set_defaults(func=cmd_identity)

    p = sub.add_parser(
        "media-root",
        help="list, add or remove folders (besides a case's own) that footage may be read from",
        description="A case file names its footage files; they are read only from the case's folder or "
                    "from a media folder listed here (on this computer, for this user).",
    )
    change = p.add_mutually_exclusive_group()
    change.add_argument("--add", metavar="FOLDER")
    change.add_argument("--remove", metavar="FOLDER")
    change.add_argument("--case", nargs=2, metavar=("URL", "FOLDER"),
                        help="a server case's media folder on this computer: its footage paths start there")
    p.set_defaults(func=cmd_media_root)


def _claim(args) -> Claim | None:
    if args.statement:
        return read_statement(Path(args.statement))
    if args.head:
        seq, head_hash = parse_head(args.head)
        return Claim(seq, head_hash)
    return None


def cmd_verify(args) -> int:
    claim = _claim(args)  # a bad statement is refused before the (long) footage check
    with open_case(args.case, readonly=True) as store:
        result = verify(store, progress=StderrProgress("Checking footage"))
        problems = list(result.problems)
        since = []
        if claim is not None:
            checked = check_claim(store, claim, result.covered_until)
            problems += checked.problems
            since = checked.since
        rows, head = store.audit_head()
        if problems:
            emit(f"{len(problems)} problem(s) found in {args.case}:")
            for p in problems:
                emit(f"- {p}")
            _copies_said(store)
            return 1
        emit(f"All sound: {len(store.exhibits())} exhibit(s) match their SHA-256; audit log of {rows} entries "
             "intact, every entry signed by a key listed in the case; every record matches its audit trail.")
        upgraded = seals.signed_at_upgrade(store.db)
        if upgraded:
            emit(f"Entries 1 to {upgraded[0]} were written in an earlier, unsigned case format: they are vouched for "
                 f"only as they stood when {upgraded[2]} upgraded the case on {upgraded[1]}.")
        emit(f"Audit head {rows}:{head}")
        _print_keys(store)
        _print_people(store)
        _copies_said(store)
        if claim is not None:
            emit(f"The case still holds the state the statement was made from (audit head {claim.seq}:"
                 f"{claim.head_hash[:16]}…); {len(since)} entr{'y' if len(since) == 1 else 'ies'} added since"
                 + (":" if since else "."))
            for row in since:
                what = f" {row['entity']} {row['entity_id']}" if row["entity"] else ""
                emit(f"  {row['seq']:>5}  {row['at']}  {row['actor']}  {row['action']}{what}")
    return 0


def _copies_said(store: CaseStore) -> None:
    """What verify made of the redacted copies and their disclosure reports: those still here
    were checked, others noted."""
    from ..core.redact.records import copy_notes, report_notes  # noqa: PLC0415

    for what, (present, notes) in (("redacted cop", copy_notes(store)), ("disclosure report", report_notes(store))):
        if present or notes:
            here = len(present)
            plural = ("y", "ies") if what.endswith("cop") else ("", "s")
            emit(f"{here} {what}{plural[here != 1]} still here checked against "
                 f"{'its' if here == 1 else 'their'} SHA-256.")
            for note in notes:
                emit(f"  {note}")


def _print_keys(store: CaseStore) -> None:
    mine = keys.load()
    for name, fpr in seals.signing_keys(store.db):
        here = " (this computer's key)" if mine is not None and mine.fingerprint == fpr else ""
        emit(f"Signing key: {name} {keys.shown(fpr)}{here}")


def _print_people(store: CaseStore) -> None:
    """Who made the changes: the name each reviewer gave, beside the database role the server
    recorded (team cases); a name under several roles stands out."""
    for actor, role, entries in audit.people(store.db):
        if role is not None:
            emit(f"Changes: {actor} as database role {role}, {entries} entr{'y' if entries == 1 else 'ies'}")


def cmd_upgrade(args) -> int:
    with cases.open_case(args.case, readonly=True) as peek:
        version = peek.format_version
        if not peek.needs_upgrade:
            emit(f"{args.case} is already in the current case format ({version}); nothing was changed.")
            return 0
    with open_case(args.case, who=args.reviewer) as store:
        rows, head = store.audit_head()
        emit(f"Upgraded {args.case} from case format {version} to {store.format_version}; audit head {rows}:{head}.")
        if not cases.is_server(args.case):
            emit(f"The old file is kept as {Path(store.path).name}.format{version}.bak.")
    return 0


def cmd_identity(args) -> int:
    try:
        name = reviewer(args.reviewer)
    except ReviewError:
        name = ""
    key = keys.load_or_create()
    emit(f"Reviewer: {name or f'(none set: give --reviewer, set {REVIEWER_ENV}, or set it in the window)'}")
    emit(f"Signing key: {keys.shown(key.fingerprint)}")
    emit(f"Key file: {key.path}")
    return 0


def cmd_media_root(args) -> int:
    if args.case:
        from ..core.pg.url import parse  # noqa: PLC0415

        address = parse(args.case[0])
        folder = footage_paths.set_server_root(address.key, Path(args.case[1]).expanduser())
        emit(f"Footage of the server case {address.key} is read from {folder} on this computer.")
        return 0
    roots = paths.media_roots()
    if args.add:
        folder = Path(args.add).expanduser()
        if not folder.is_dir():
            raise ReviewError(f"{folder} is not a folder; nothing was changed.")
        roots = paths.set_media_roots([*roots, folder])
    elif args.remove:
        gone = Path(args.remove).expanduser().resolve()
        if gone not in roots:
            raise ReviewError(f"{gone} is not a media folder here; nothing was changed.")
        roots = paths.set_media_roots([r for r in roots if r != gone])
    if not roots:
        emit("No media folders: footage is read only from each case's own folder.")
    for root in roots:
        emit(root)
    if not roots and not (args.add or args.remove):
        warn("bwv-review: add one with `bwv-review media-root --add FOLDER`.")
    return 0
