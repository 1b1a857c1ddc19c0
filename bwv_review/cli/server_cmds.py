"""Subcommands for cases on a PostgreSQL server: push a case file to one, pull one into a
case file, and see who has a server case open."""

from __future__ import annotations

from pathlib import Path

from ..core.cases import is_server
from ..core.errors import ReviewError
from .common import StderrProgress, emit, open_case, reviewer


def register(sub) -> None:
    p = sub.add_parser(
        "push", help="copy a case file, with its whole audit history, into an empty PostgreSQL database",
        description="The case must verify; the copy is verified on the server before this says it is done, and "
                    "one audited entry records the push. The case file is not changed.")
    p.add_argument("case", help="the case file")
    p.add_argument("url", help="postgresql://[user@]host[:port]/database (an empty database; you become its owner)")
    p.add_argument("--reviewers-role", metavar="ROLE", help="the database group role whose members review the case")
    p.add_argument("--reviewer")
    p.set_defaults(func=cmd_push)

    p = sub.add_parser(
        "pull", help="archive a server case as one case file that verifies on its own",
        description="Copies the server case, from one consistent moment, with every audit entry and signature. "
                    "Put the file in the case's media folder (or the footage beside it) so verify finds the footage.")
    p.add_argument("url")
    p.add_argument("out", help="the case file to write (must not exist)")
    p.set_defaults(func=cmd_pull)

    p = sub.add_parser("present", help="who has a server case open now (database role and name)")
    p.add_argument("url")
    p.set_defaults(func=cmd_present)


def _server(url: str) -> str:
    if not is_server(url):
        raise ReviewError(f"{url!r} is not a server case address (postgresql://[user@]host[:port]/database).")
    return url


def cmd_push(args) -> int:
    from ..core.pg.transfer import push  # noqa: PLC0415 - psycopg only for server commands

    url = _server(args.url)
    with push(Path(args.case), url, reviewer(args.reviewer), args.reviewers_role,
              StderrProgress(f"Copying {Path(args.case).name}")) as store:
        rows, head = store.audit_head()
        emit(f"Pushed {args.case} to {url}: {len(store.annotations())} annotation(s), {len(store.exhibits())} "
             f"exhibit(s); audit head {rows}:{head}; the copy verifies.")
    return 0


def cmd_pull(args) -> int:
    from ..core.pg.transfer import pull  # noqa: PLC0415

    problems = pull(_server(args.url), Path(args.out), StderrProgress("Copying the server case"))
    if problems:
        emit(f"Pulled {args.url} into {args.out}, but it does not verify ({len(problems)} problem(s)):")
        for p in problems:
            emit(f"- {p}")
        return 1
    emit(f"Pulled {args.url} into {args.out}; it verifies on its own (footage is checked by `bwv-review verify`).")
    return 0


def cmd_present(args) -> int:
    from ..core.pg.live import present  # noqa: PLC0415

    with open_case(_server(args.url), readonly=True) as store:
        people = present(store)
    for person in people:
        emit(f"{person.role}  {person.name or '(no name given)'}  since {person.since}")
    if not people:
        emit("Nobody else has this case open.")
    return 0
