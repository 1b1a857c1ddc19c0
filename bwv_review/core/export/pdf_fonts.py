"""The fonts a PDF statement is set in: a fallback chain, shaping, and embedding.

Chain, first that has the character wins: the Noto fonts of the ``manimgx-fonts`` package
(Noto Sans, then Arabic, Hebrew, the Indic and South-East Asian scripts, Symbols and Noto
Emoji in monochrome), the two small Noto subsets in ``resources/fonts``, then the system's
fonts (Windows: Segoe UI, Arial, Segoe UI Symbol and Emoji, Cambria Math, Microsoft YaHei,
Yu Gothic, Malgun Gothic, SimSun...; Linux: DejaVu, WenQuanYi, Droid Sans Fallback, Noto;
macOS: its Supplemental fonts), named ones first, then any other TrueType font found there.
Only fonts with TrueType outlines are used, so every one is embedded as a subset
(FontFile2); a variable font gives its default instance. Text is shaped by HarfBuzz
(uharfbuzz). A character no font has is never drawn as an empty box: the caller shows it by
its code point and says so in the document.
"""

from __future__ import annotations

import importlib
import io
import os
import pkgutil
import sys
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import uharfbuzz as hb
from fontTools.ttLib import TTCollection, TTFont, TTLibError
from fontTools.ttLib import tables as _tables

# fontTools imports a table's module the first time a font needs it. A PDF export from the
# window runs in a worker thread, where a first import can crash under PySide6 (see
# ui/workers.py), so every table module is imported here, with this module (40 ms).
for _module in pkgutil.iter_modules(_tables.__path__):
    importlib.import_module(f"{_tables.__name__}.{_module.name}")

_BUNDLED = ("NotoSans[wght].ttf", "NotoSansArabic[wght].ttf", "NotoSansHebrew[wght].ttf",
            "NotoSansSymbols[wght].ttf", "NotoEmoji[wght].ttf")
_RESOURCE = ("NotoSansMath-Regular-subset.ttf", "NotoSansSymbols2-Regular-subset.ttf")
_WINDOWS = ("segoeui.ttf", "arial.ttf", "seguisym.ttf", "seguiemj.ttf", "cambria.ttc", "msyh.ttc", "YuGothR.ttc",
            "msgothic.ttc", "malgun.ttf", "simsun.ttc", "mingliub.ttc", "Nirmala.ttf", "ebrima.ttf", "tahoma.ttf")
_LINUX = ("dejavu/DejaVuSans.ttf", "dejavu/DejaVuMathTeXGyre.ttf", "wqy/wqy-microhei.ttc", "wqy/wqy-zenhei.ttc",
          "droid/DroidSansFallbackFull.ttf", "nanum/NanumGothic.ttf", "noto/NotoSansMath-Regular.ttf",
          "unifont/unifont.ttf")
MAX_SCAN = 400  # other system font files looked at, at most, for a character nothing above has


def _bundled_dir() -> Path | None:
    try:
        import manimgx_fonts  # noqa: PLC0415 - optional at import, a dependency in practice
    except ImportError:
        return None
    return Path(manimgx_fonts.__file__).parent


def _system_dirs() -> list[Path]:
    if sys.platform == "win32":
        windir = Path(os.environ.get("WINDIR", "C:/Windows"))
        local = Path(os.environ.get("LOCALAPPDATA", "")) / "Microsoft" / "Windows" / "Fonts"
        return [windir / "Fonts", local]
    if sys.platform == "darwin":
        return [Path("/System/Library/Fonts"), Path("/System/Library/Fonts/Supplemental"), Path("/Library/Fonts")]
    home = Path.home()
    return [Path("/usr/share/fonts/truetype"), Path("/usr/share/fonts"), Path("/usr/local/share/fonts"),
            home / ".local/share/fonts", home / ".fonts"]


def candidates() -> list[tuple[Path, int]]:
    """Every (file, face number) of the chain, in order; files not present are left out."""
    out: list[tuple[Path, int]] = []
    bundled = _bundled_dir()
    if bundled is not None:
        out += [(bundled / name, 0) for name in _BUNDLED]
        out += sorted((p, 0) for p in bundled.glob("NotoSans*.ttf") if p.name not in _BUNDLED
                      and "Italic" not in p.name)
    fonts = resources.files("bwv_review.resources") / "fonts"
    out += [(Path(str(fonts / name)), 0) for name in _RESOURCE]
    named = _WINDOWS if sys.platform == "win32" else _LINUX
    dirs = _system_dirs()
    out += [(d / name, 0) for name in named for d in dirs[:1]]
    seen = {p for p, _ in out}
    scanned = 0
    for d in dirs:
        if not d.is_dir():
            continue
        for path in sorted(d.rglob("*")):
            if scanned >= MAX_SCAN:
                break
            if path.suffix.lower() in (".ttf", ".ttc") and path not in seen:
                seen.add(path)
                out.append((path, 0))
                scanned += 1
    return [(p, n) for p, n in out if p.is_file()]


def _ignorable(ch: str) -> bool:
    """Characters drawn as nothing (joiners, direction marks, variation selectors, tags)."""
    cp = ord(ch)
    return unicodedata.category(ch) == "Cf" or 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF


@dataclass(eq=False)
class Face:
    """One embedded font: its cmap, its HarfBuzz font, and the glyphs used so far."""

    path: Path
    number: int
    data: bytes
    cmap: dict[int, int]
    upem: int
    ps_name: str
    metrics: dict
    hb_font: hb.Font
    shapes: dict = field(default_factory=dict)  # (text, rtl) -> shaped glyphs

    def covers(self, text: str) -> bool:
        cmap = self.cmap
        return all(ord(c) in cmap or _ignorable(c) for c in text)

    def shape(self, text: str, rtl: bool) -> tuple:
        """((gid, cluster, x_advance, x_offset, y_offset), ...) in font units, visual order."""
        key = (text, rtl)
        got = self.shapes.get(key)
        if got is None:
            buf = hb.Buffer()
            buf.add_str(text)
            buf.guess_segment_properties()
            buf.direction = "rtl" if rtl else "ltr"
            hb.shape(self.hb_font, buf)
            got = tuple((i.codepoint, i.cluster, p.x_advance, p.x_offset, p.y_offset)
                        for i, p in zip(buf.glyph_infos, buf.glyph_positions, strict=True))
            if len(self.shapes) > 200_000:
                self.shapes.clear()
            self.shapes[key] = got
        return got


_LOADED: dict[tuple[Path, int], Face | None] = {}


def _face(path: Path, number: int) -> Face | None:
    """A face, loaded once per process (its shapes are kept for the next document)."""
    key = (path, number)
    if key not in _LOADED:
        _LOADED[key] = _load(path, number)
    return _LOADED[key]


def _load(path: Path, number: int) -> Face | None:
    try:
        data = path.read_bytes()  # read whole: a lazily read font would hold the file open
        if data[:4] == b"ttcf":
            font = TTCollection(io.BytesIO(data), lazy=True).fonts[number]
        else:
            font = TTFont(io.BytesIO(data), lazy=True)
        if "glyf" not in font or "cmap" not in font:  # CFF outlines cannot go in as FontFile2
            return None
        cmap = dict(font.getBestCmap() or {})
        gid = font.getReverseGlyphMap()
        cmap = {cp: gid[g] for cp, g in cmap.items() if g in gid}
        head, hhea, os2 = font["head"], font["hhea"], font.get("OS/2")
        metrics = {"ascent": hhea.ascent, "descent": hhea.descent, "bbox": (head.xMin, head.yMin, head.xMax, head.yMax),
                   "cap": getattr(os2, "sCapHeight", 0) or hhea.ascent, "advances": font["hmtx"].metrics,
                   "order": font.getGlyphOrder()}
        ps_name = (font["name"].getDebugName(6) or path.stem).replace(" ", "")
    except (OSError, TTLibError, KeyError, AssertionError, IndexError, ValueError):
        return None
    blob = hb.Blob(data)
    hb_face = hb.Face(blob, number)
    hb_font = hb.Font(hb_face)
    upem = head.unitsPerEm
    hb_font.scale = (upem, upem)
    return Face(path, number, data, cmap, upem, ps_name, metrics, hb_font)


class FontChain:
    """The fallback chain for one document; faces are loaded only when a character first
    needs them (and then kept for the rest of the process)."""

    def __init__(self, paths: list[tuple[Path, int]] | None = None):
        self._pending = list(paths if paths is not None else _candidates())
        self.faces: list[Face] = []
        self._by_char: dict[str, Face | None] = {}
        self._load_next()
        if not self.faces:
            raise RuntimeError("no TrueType font found for PDF export")
        self.primary = self.faces[0]

    def _load_next(self) -> Face | None:
        while self._pending:
            path, number = self._pending.pop(0)
            face = _face(path, number)
            if face is not None:
                self.faces.append(face)
                return face
        return None

    def face_for(self, cluster: str) -> Face | None:
        """The first face that draws every visible character of ``cluster``, or None."""
        found = self._by_char.get(cluster, False)
        if found is not False:
            return found
        face = next((f for f in self.faces if f.covers(cluster)), None)
        while face is None and self._pending:
            loaded = self._load_next()
            if loaded is not None and loaded.covers(cluster):
                face = loaded
        if len(self._by_char) < 500_000:
            self._by_char[cluster] = face
        return face


@cache
def _candidates() -> tuple[tuple[Path, int], ...]:
    return tuple(candidates())
