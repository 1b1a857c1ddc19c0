"""Setting text for the PDF writer: clusters to fonts, measuring, breaking lines, and drawing
a line (right-to-left runs reordered by the Unicode bidirectional algorithm, each run
shaped by HarfBuzz in its own direction).

Work is cached by word: a statement of 10,000 annotations repeats most of its words, so
each is segmented, shaped and encoded once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .pdf_bidi import visual
from .pdf_fonts import Face, FontChain
from .pdf_writer import PdfWriter, text_string
from .scripts import base_rtl

_CJK = re.compile(r"[\u2e80-\u2fff\u3000-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
                  r"\uff00-\uffef\U00020000-\U0003ffff]")
# Spaces a line may break at: not the no-break ones (U+00A0, U+2007, U+202F).
_SPACES = " \t\r\f\v\u1680\u2000-\u2006\u2008-\u200a\u205f\u3000"
_TOKEN = re.compile(f"\\n|[{_SPACES}]+|[^\\n{_SPACES}]+")
_SPACE_CHARS = frozenset(" \t\r\f\v\u1680\u205f\u3000" + "".join(map(chr, range(0x2000, 0x2007)))
                         + "\u2008\u2009\u200a")


@dataclass(frozen=True)
class Style:
    size: float = 10.5
    bold: bool = False
    colour: tuple[float, float, float] = (0, 0, 0)


def _joins(ch: str) -> bool:
    """True for a character that belongs to the cluster before it."""
    cp = ord(ch)
    cat = unicodedata.category(ch)
    return (cat in ("Mn", "Mc", "Me") or cp == 0x200D or 0xFE00 <= cp <= 0xFE0F or 0x1F3FB <= cp <= 0x1F3FF
            or 0xE0020 <= cp <= 0xE007F or 0xE0100 <= cp <= 0xE01EF)


def clusters(text: str) -> list[str]:
    """Grapheme-like clusters: a base and the marks, joiners and selectors after it."""
    out: list[str] = []
    for ch in text:
        if out and (_joins(ch) or (out[-1].endswith("\u200d"))
                    or (0x1F1E6 <= ord(ch) <= 0x1F1FF and len(out[-1]) == 1 and 0x1F1E6 <= ord(out[-1]) <= 0x1F1FF)):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def missing_text(cluster: str) -> str:
    return "[" + " ".join(f"U+{ord(c):04X}" for c in cluster) + "]"


@dataclass(eq=False)
class Run:
    """Glyphs of one face, ready to draw: TJ pieces, marks at offsets, advance in points/size."""

    face: Face
    text: str
    # ("tj", "<...> -12 <...>", advance), ("mark", gid, x_off, y_off, advance) in font units,
    # ("span", actual text) ... ("end",) around a right-to-left cluster
    parts: tuple
    advance: int  # font units
    gid_text: dict
    gids: frozenset
    actual: bool  # needs /ActualText to read back
    missing: bool = False

    def __post_init__(self) -> None:
        self.simple = not self.actual and len(self.parts) == 1 and self.parts[0][0] == "tj"


class Typesetter:
    def __init__(self, chain: FontChain):
        self.chain = chain
        self._runs: dict[tuple[str, bool], list[Run]] = {}
        self._widths: dict[str, float] = {}
        self.missing: dict[str, None] = {}  # clusters no font has, in order first seen
        self._registered: set[Run] = set()  # runs whose glyphs this document already holds

    # -- runs of one face ---------------------------------------------------------------
    def _segments(self, text: str) -> list[tuple[Face | None, str]]:
        segs: list[tuple[Face | None, str]] = []
        primary = self.chain.primary
        if text.isascii() and all(ord(c) in primary.cmap for c in text):
            return [(primary, text)]
        for cl in clusters(text):
            face = self.chain.face_for(cl) if not (len(cl) == 1 and ord(cl) in primary.cmap) else primary
            if face is None and all(unicodedata.category(c) == "Cf" for c in cl):
                face = primary  # joiners and direction marks draw nothing: no box, no notice
            if face is None:
                self.missing[cl] = None
                segs.append((None, cl))
            elif segs and segs[-1][0] is face:
                segs[-1] = (face, segs[-1][1] + cl)
            else:
                segs.append((face, cl))
        return segs

    def runs(self, text: str, rtl: bool = False) -> list[Run]:
        """``text`` as runs of one face each, in visual order."""
        key = (text, rtl)
        got = self._runs.get(key)
        if got is None:
            got = []
            for face, part in self._segments(text):
                got.append(self._missing_run(part) if face is None else _shaped(face, part, rtl))
            if rtl:
                got.reverse()
            if len(self._runs) > 300_000:
                self._runs.clear()
            self._runs[key] = got
        return got

    def _missing_run(self, cluster: str) -> Run:
        shown = self.chain.primary
        run = _shaped(shown, missing_text(cluster), False)
        return Run(shown, cluster, run.parts, run.advance, run.gid_text, run.gids, True, missing=True)

    def width(self, text: str, size: float) -> float:
        """Points ``text`` takes at ``size`` (per em, cached per text)."""
        em = self._widths.get(text)
        if em is None:
            em = sum(r.advance / r.face.upem for r in self.runs(text, _is_rtl(text)))
            if len(self._widths) > 300_000:
                self._widths.clear()
            self._widths[text] = em
        return em * size

    # -- breaking -----------------------------------------------------------------------
    def break_lines(self, pieces: list[tuple[str, Style]], width: float) -> list[list[tuple[str, Style]]]:
        """Greedy lines no wider than ``width``: break at spaces, line breaks, between CJK
        characters, and inside a word only when the word alone is wider than a line."""
        lines: list[list[tuple[str, Style]]] = []
        line: list[tuple[str, Style]] = []
        used = 0.0
        pending_space: list[tuple[str, Style]] = []
        space_w = 0.0

        def flush() -> None:
            nonlocal line, used, pending_space, space_w
            lines.append(line)
            line, used, pending_space, space_w = [], 0.0, [], 0.0

        for text, style in pieces:
            for token in _tokens(text):
                if token == "\n":
                    flush()
                    continue
                w = self.width(token, style.size)
                if token[0] in _SPACE_CHARS:
                    if line:
                        pending_space.append((token, style))
                        space_w += w
                    continue
                if line and used + space_w + w > width:
                    flush()
                if not line and w > width:
                    for chunk in self._split_word(token, style, width):
                        if line:
                            flush()
                        line, used = [(chunk, style)], self.width(chunk, style.size)
                    continue
                line += pending_space + [(token, style)]
                used += space_w + w
                pending_space, space_w = [], 0.0
        lines.append(line)
        return [_merge(li) for li in lines]

    def _split_word(self, word: str, style: Style, width: float) -> list[str]:
        chunks, current, used = [], "", 0.0
        for cl in clusters(word):
            w = self.width(cl, style.size)
            if current and used + w > width:
                chunks.append(current)
                current, used = "", 0.0
            current += cl
            used += w
        if current:
            chunks.append(current)
        return chunks

    # -- drawing ------------------------------------------------------------------------
    def draw_line(self, out: list[str], pdf: PdfWriter, pieces: list[tuple[str, Style]], x: float, y: float,
                  width: float, paragraph_rtl: bool | None = None) -> None:
        """Append the content-stream operators for one line, starting at ``x`` (or ending at
        ``x + width`` for a right-to-left paragraph)."""
        text = "".join(t for t, _ in pieces)
        rtl_base = base_rtl(text) if paragraph_rtl is None else paragraph_rtl
        # Word by word, so each word is shaped once per document (a right-to-left run's words
        # go right to left).
        if rtl_base or _is_rtl(text):
            placed = [(run, style) for t, style, rtl in visual(pieces, text, rtl_base)
                      for tok in (_TOKEN.findall(t)[::-1] if rtl else _TOKEN.findall(t)) for run in self.runs(tok, rtl)]
        else:
            placed = [(run, style) for t, style in pieces for tok in _TOKEN.findall(t) for run in self.runs(tok)]
        pen = x
        if rtl_base:
            pen = x + width - sum(run.advance / run.face.upem * style.size for run, style in placed)
        current_face = current_style = None
        name = ""
        batch: list[str] = []  # TJ pieces of simple runs of one font and style, drawn as one
        start = pen
        out.append("BT")
        registered = self._registered
        for run, style in placed:
            if run not in registered:  # its glyphs go into the font subset and ToUnicode once
                registered.add(run)
                _, used, drawn = pdf.font(run.face)
                for gid, chars in run.gid_text.items():
                    used.setdefault(gid, chars)  # a glyph reads back as the text it first stood for
                drawn |= run.gids
            same = run.face is current_face and (style is current_style or style == current_style)
            if batch and (not same or not run.simple):
                out.append(f"1 0 0 1 {start:.2f} {y:.2f} Tm [{' '.join(batch)}] TJ")
                batch = []
            if not same:
                current_face, current_style = run.face, style
                name = pdf.font(run.face)[0]
                r, g, b = style.colour
                op = f"/{name} {style.size:g} Tf {r:g} {g:g} {b:g} rg"
                op += f" {r:g} {g:g} {b:g} RG 2 Tr {style.size * 0.035:.3f} w" if style.bold else " 0 Tr"
                out.append(op)
            if run.simple:
                if not batch:
                    start = pen
                batch.append(run.parts[0][1])
                pen += run.advance * style.size / run.face.upem
            else:
                pen = _emit(out, run, style, pen, y)
        if batch:
            out.append(f"1 0 0 1 {start:.2f} {y:.2f} Tm [{' '.join(batch)}] TJ")
        out.append("ET")


def _merge(line: list[tuple[str, Style]]) -> list[tuple[str, Style]]:
    merged: list[tuple[str, Style]] = []
    for text, style in line:
        if merged and (merged[-1][1] is style or merged[-1][1] == style):
            merged[-1] = (merged[-1][0] + text, style)
        else:
            merged.append((text, style))
    return merged


def _tokens(text: str) -> list[str]:
    if text.isascii():
        return _TOKEN.findall(text)
    out = []
    for tok in _TOKEN.findall(text):
        if _CJK.search(tok) and len(tok) > 1:
            out += _cjk_split(tok)
        else:
            out.append(tok)
    return out


def _cjk_split(token: str) -> list[str]:
    parts: list[str] = []
    for cl in clusters(token):
        if parts and not _CJK.match(cl) and not _CJK.match(parts[-1][-1]):
            parts[-1] += cl
        elif parts and unicodedata.category(cl[0]) in ("Po", "Pe", "Pf"):
            parts[-1] += cl  # no line starts with a full stop or a closing bracket
        else:
            parts.append(cl)
    return parts


# Right-to-left scripts (Hebrew to Arabic Extended, their presentation forms, the RTL blocks of
# the supplementary planes) and the marks and controls that make text right to left.
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\U00010800-\U00010fff\U0001e800-\U0001efff"
                  "\u200f\u202b\u202e\u2067\u061c]")


def _is_rtl(text: str) -> bool:
    return not text.isascii() and _RTL.search(text) is not None


def _shaped(face: Face, text: str, rtl: bool) -> Run:
    """Shape ``text`` and say how it reads back. Left to right, each glyph maps to its
    character (or the whole cluster, for a ligature or an emoji sequence) and a run whose
    glyphs do not read back in order carries /ActualText. Right to left, glyphs are drawn in
    visual order as PDF readers expect, and each cluster whose glyphs are not one character
    of the font's own (Arabic fonts build letters from a dotless form and dots) carries its
    own /ActualText, so readers reorder it like any other right-to-left text."""
    glyphs = face.shape(text, rtl)
    m = face.metrics
    order, advances, cmap = m["order"], m["advances"], face.cmap
    parts: list = []
    tj: list[str] = []
    tj_adv = 0
    total = 0

    def flush() -> None:
        nonlocal tj, tj_adv
        if tj:
            parts.append(("tj", " ".join(tj), tj_adv))
            tj, tj_adv = [], 0

    if rtl:
        return _shaped_rtl(face, text, glyphs)
    for gid, _cluster, adv, x_off, y_off in glyphs:
        if gid == 0:  # a glyph the font lacks after all: never draw its box
            tj.append(f"{-adv * 1000 // face.upem:d}")
            tj_adv += adv
        elif x_off or y_off:
            flush()
            parts.append(("mark", gid, x_off, y_off, adv))
        else:
            default = advances[order[gid]][0] if gid < len(order) else 0
            tj.append(f"<{gid:04X}>")
            if adv != default:
                tj.append(f"{(default - adv) * 1000 / face.upem:.0f}")
            tj_adv += adv
        total += adv
    flush()
    if any(part[0] == "mark" for part in parts):
        # A mark drawn off the baseline reads as a line of its own: the run reads back whole.
        gid_text, actual = _readback(text, glyphs, cmap) or {}, True
    elif len(glyphs) == len(text) and all(cmap.get(ord(c)) == g[0] and g[0] for c, g in zip(text, glyphs, strict=True)):
        gid_text, actual = {g[0]: c for c, g in zip(text, glyphs, strict=True)}, False  # one glyph per character
    else:
        gid_text = _readback(text, glyphs, cmap)
        actual = gid_text is None or any(g[0] == 0 for g in glyphs) or \
            "".join(gid_text.get(g[0], "") for g in glyphs) != text
        gid_text = gid_text or {}
    return Run(face, text, tuple(parts), total, gid_text, frozenset(g[0] for g in glyphs if g[0]), actual)


def _shaped_rtl(face: Face, text: str, glyphs: tuple) -> Run:
    """Each glyph placed where HarfBuzz put it, cluster by cluster. A cluster that is not one
    character of the font's own reads back through /ActualText on its letter alone (readers
    size the text by the glyphs inside: a dot inside would make the letter look narrow);
    dots and marks drawn after it read as nothing."""
    cmap = face.cmap
    spans = _rtl_spans(text, glyphs, cmap)
    parts: list = []
    x = 0
    placed = []
    for k, (gid, _cluster, adv, x_off, y_off) in enumerate(glyphs):
        placed.append((k, gid, x + x_off, y_off, adv == 0))  # no advance: a mark or a dot
        x += adv
    k = 0
    while k < len(placed):
        j = k
        while j + 1 < len(glyphs) and glyphs[j + 1][1] == glyphs[k][1]:
            j += 1
        cluster = [p for p in placed[k:j + 1] if p[1]]
        bases = [p for p in cluster if not p[4]] or cluster[:1]
        if k in spans:  # the letter reads as the whole cluster; its dots and marks read as nothing
            parts.append(("span", spans[k]))
        parts += [("at", gid, gx, gy) for _i, gid, gx, gy, _m in bases]
        if k in spans:
            parts.append(("end",))
        parts += [("at", gid, gx, gy) for _i, gid, gx, gy, _m in cluster if (_i, gid, gx, gy, _m) not in bases]
        k = j + 1
    gid_text = {g[0]: chr(c) for g in glyphs for c in [_own(text, g, cmap)] if c and g[2]}
    return Run(face, text, tuple(parts), x, gid_text, frozenset(g[0] for g in glyphs if g[0]), False)


def _own(text: str, glyph: tuple, cmap: dict[int, int]) -> int:
    cp = ord(text[glyph[1]]) if glyph[1] < len(text) else 0
    return cp if cmap.get(cp) == glyph[0] else 0


def _rtl_spans(text: str, glyphs: tuple, cmap: dict[int, int]) -> dict[int, str]:
    """{first glyph index: cluster text} for each right-to-left cluster that does not read
    back as one character of the font's own."""
    spans: dict[int, str] = {}
    bounds = sorted({g[1] for g in glyphs}) + [len(text)]
    end_of = dict(zip(bounds, bounds[1:], strict=False))
    k = 0
    while k < len(glyphs):
        j = k
        while j + 1 < len(glyphs) and glyphs[j + 1][1] == glyphs[k][1]:
            j += 1
        chars = text[glyphs[k][1]:end_of[glyphs[k][1]]]
        if not (j == k and len(chars) == 1 and cmap.get(ord(chars)) == glyphs[k][0]):
            spans[k] = chars
        k = j + 1
    return spans


def _readback(text: str, glyphs: tuple, cmap: dict[int, int]) -> dict[int, str] | None:
    """gid -> text for each glyph: its own character where the font maps it, else the rest of
    its cluster on the cluster's first glyph that advances (a base letter's contextual form
    takes the letter; a mark drawn as its own part of a letter takes nothing). None when a
    glyph would need two different readings."""
    clusters: dict[int, list] = {}
    for g in glyphs:
        clusters.setdefault(g[1], []).append(g)
    starts = sorted(clusters)
    out: dict[int, str] = {}
    for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
        chars = text[start:end]
        rest = chars
        owners = []
        for gid, _c, adv, _x, _y in clusters[start]:
            own = next((c for c in rest if cmap.get(ord(c)) == gid), None)
            if own is not None:
                rest = rest.replace(own, "", 1)
                if out.setdefault(gid, own) != own:
                    return None
            elif gid:
                owners.append((adv == 0, gid))
        rest = "".join(c for c in rest if not _invisible(c))
        if rest:
            if not owners:
                return None
            gid = min(owners)[1]
            if out.setdefault(gid, rest) != rest:
                return None
    return out


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) == "Cf"


def _emit(out: list[str], run: Run, style: Style, pen: float, y: float) -> float:
    scale = style.size / run.face.upem
    start = pen
    if run.actual:
        out.append(f"/Span << /ActualText {text_string(run.text)} >> BDC")
    for part in run.parts:
        kind = part[0]
        if kind == "tj":
            out.append(f"1 0 0 1 {pen:.2f} {y:.2f} Tm [{part[1]}] TJ")
            pen += part[2] * scale
        elif kind == "mark":
            _, gid, x_off, y_off, adv = part
            out.append(f"1 0 0 1 {pen + x_off * scale:.2f} {y + y_off * scale:.2f} Tm <{gid:04X}> Tj")
            pen += adv * scale
        elif kind == "at":
            _, gid, gx, gy = part
            out.append(f"1 0 0 1 {start + gx * scale:.2f} {y + gy * scale:.2f} Tm <{gid:04X}> Tj")
        elif kind == "span":
            out.append(f"/Span << /ActualText {text_string(part[1])} >> BDC")
        else:
            out.append("EMC")
    if run.actual:
        out.append("EMC")
    return max(pen, start + run.advance * scale)
