"""A small PDF 1.7 writer: pages, embedded TrueType subsets addressed by glyph id, PNG images.

Every font is a Type 0 font (Identity-H) over a CIDFontType2 whose CIDs are the font's own
glyph ids (subset with fontTools keeping glyph ids, CIDToGIDMap /Identity), with a
ToUnicode map for the glyphs that stand for one piece of text; runs whose glyphs do not
map back one to one (shaped Arabic, reordered right-to-left text, ligatures, code points
shown for a missing glyph) carry /ActualText, so a reader's copy or pdftotext gets the
words back. Output depends only on what was drawn and the ``generated`` time.
"""

from __future__ import annotations

import hashlib
import io
import logging
import struct
import zlib
from datetime import datetime

from fontTools import subset
from fontTools.ttLib import TTFont

from .pdf_fonts import Face

_DROP = ["FFTM", "fvar", "gvar", "HVAR", "VVAR", "MVAR", "STAT", "avar", "cvar", "GSUB", "GPOS", "GDEF", "BASE", "JSTF",
         "DSIG", "COLR", "CPAL", "SVG ", "CBDT", "CBLC", "sbix", "kern", "morx", "VORG", "meta", "EBDT", "EBLC"]


def text_string(text: str) -> str:
    """A PDF text string (UTF-16BE with a byte-order mark, as hex): any character, safely."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def info_string(key: str, text: str) -> str:
    """An Info entry's value. Keywords in plain ASCII are written as a literal string, so a
    program reading the file's bytes (``verify --statement``: the audit head and key
    fingerprints) finds them without a PDF reader; everything else as ``text_string``."""
    if key == "Keywords" and text.isascii() and text.isprintable():
        return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"
    return text_string(text)


def pdf_date(when: datetime) -> str:
    return "(D:" + when.strftime("%Y%m%d%H%M%S") + "Z)"


class PdfWriter:
    def __init__(self, info: dict[str, str], generated: datetime, lang: str = "en-GB"):
        self._objects: list[bytes | None] = [None]
        self._info = info
        self._generated = generated
        self._lang = lang
        self._pages: list[int] = []
        self._fonts_dict = self._reserve()
        self._page_tree = self._reserve()
        # face -> (resource name, gid -> the text it stands for, every gid drawn)
        self.fonts: dict[Face, tuple[str, dict[int, str], set[int]]] = {}
        self._images: dict[str, int] = {}

    def _reserve(self) -> int:
        self._objects.append(None)
        return len(self._objects) - 1

    def _put(self, body: bytes | str, num: int | None = None) -> int:
        num = num if num is not None else self._reserve()
        self._objects[num] = body.encode("latin-1") if isinstance(body, str) else body
        return num

    def _stream(self, data: bytes, extra: str = "", compress: bool = True) -> int:
        if compress:
            data = zlib.compress(data, 4)
            extra += " /Filter /FlateDecode"
        return self._put(f"<< /Length {len(data)}{extra} >>\nstream\n".encode("latin-1") + data + b"\nendstream")

    # -- what pages use -----------------------------------------------------------------
    def font(self, face: Face) -> tuple[str, dict[int, str], set[int]]:
        """The resource name of ``face`` here, its gid -> text map and its set of gids, to fill in."""
        use = self.fonts.get(face)
        if use is None:
            use = self.fonts[face] = (f"F{len(self.fonts) + 1}", {}, set())
        return use

    def image(self, png: bytes) -> tuple[str, int, int]:
        """Add a PNG (8-bit grey or RGB, as OpenCV writes them); (resource name, width, height)."""
        width, height, depth, colour, interlace = struct.unpack(">IIBBxxB", png[16:29])
        if png[:8] != b"\x89PNG\r\n\x1a\n" or depth != 8 or colour not in (0, 2) or interlace:
            raise ValueError("only 8-bit grey or RGB PNGs without interlacing are embedded as they are")
        idat, pos = b"", 8
        while pos < len(png):
            length, kind = struct.unpack(">I4s", png[pos:pos + 8])
            if kind == b"IDAT":
                idat += png[pos + 8:pos + 8 + length]
            pos += 12 + length
        colours = 3 if colour == 2 else 1
        num = self._stream(idat, f" /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace "
                           f"/{'DeviceRGB' if colours == 3 else 'DeviceGray'} /BitsPerComponent 8 /Filter "
                           f"/FlateDecode /DecodeParms << /Predictor 15 /Colors {colours} /BitsPerComponent 8 "
                           f"/Columns {width} >>", compress=False)
        name = f"Im{len(self._images) + 1}"
        self._images[name] = num
        return name, width, height

    def page(self, content: str, width: float, height: float, images: list[str] = ()) -> None:
        contents = self._stream(content.encode("latin-1"))
        xobjects = " ".join(f"/{name} {self._images[name]} 0 R" for name in images)
        resources = f"<< /ProcSet [/PDF /Text /ImageB /ImageC] /Font {self._fonts_dict} 0 R /XObject << {xobjects} >> >>"
        self._pages.append(self._put(f"<< /Type /Page /Parent {self._page_tree} 0 R /MediaBox [0 0 {width:.2f} "
                                     f"{height:.2f}] /Resources {resources} /Contents {contents} 0 R >>"))

    # -- the end ------------------------------------------------------------------------
    def _embed(self, face: Face, used: dict[int, str], drawn: set[int]) -> int:
        gids = sorted(drawn | set(used) | {0})
        logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # no "table not subset" chatter
        font = TTFont(io.BytesIO(face.data), fontNumber=face.number if face.data[:4] == b"ttcf" else -1, lazy=True,
                      recalcTimestamp=False)  # a subset saved now must not say when: same bytes every time
        for tag in _DROP:  # before subsetting: a layout table is not even read
            if tag in font:
                del font[tag]
        options = subset.Options()
        options.retain_gids = True
        options.notdef_outline = True
        options.hinting = False
        options.layout_features = []
        options.drop_tables += _DROP
        options.name_IDs = ["*"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(gids=gids)
        subsetter.subset(font)
        buf = io.BytesIO()
        font.save(buf)
        program = buf.getvalue()
        tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(program).digest()[:6])
        base = f"{tag}+{''.join(c for c in face.ps_name if c.isalnum() or c in '-_')[:60] or 'Font'}"
        scale = 1000 / face.upem
        m = face.metrics
        file_num = self._stream(program, f" /Length1 {len(program)}")
        x0, y0, x1, y1 = (round(v * scale) for v in m["bbox"])
        descriptor = self._put(
            f"<< /Type /FontDescriptor /FontName /{base} /Flags 4 /FontBBox [{x0} {y0} {x1} {y1}] /ItalicAngle 0 "
            f"/Ascent {round(m['ascent'] * scale)} /Descent {round(m['descent'] * scale)} "
            f"/CapHeight {round(m['cap'] * scale)} /StemV 80 /FontFile2 {file_num} 0 R >>")
        order, advances = m["order"], m["advances"]
        widths = " ".join(f"{g} [{round(advances[order[g]][0] * scale) if g < len(order) else 0}]" for g in gids)
        cid = self._put(f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{base} /CIDSystemInfo << /Registry "
                        f"(Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor {descriptor} 0 R /DW 0 "
                        f"/W [{widths}] /CIDToGIDMap /Identity >>")
        tounicode = self._stream(_cmap(used).encode("latin-1"))
        return self._put(f"<< /Type /Font /Subtype /Type0 /BaseFont /{base} /Encoding /Identity-H /DescendantFonts "
                         f"[{cid} 0 R] /ToUnicode {tounicode} 0 R >>")

    def finish(self) -> bytes:
        fonts = " ".join(f"/{name} {self._embed(face, used, drawn)} 0 R"
                         for face, (name, used, drawn) in self.fonts.items())
        self._put(f"<< {fonts} >>", self._fonts_dict)
        kids = " ".join(f"{p} 0 R" for p in self._pages)
        self._put(f"<< /Type /Pages /Kids [{kids}] /Count {len(self._pages)} >>", self._page_tree)
        catalog = self._put(f"<< /Type /Catalog /Pages {self._page_tree} 0 R /Lang {text_string(self._lang)} "
                            "/ViewerPreferences << /DisplayDocTitle true >> >>")
        when = pdf_date(self._generated)
        info = self._put("<< " + " ".join(f"/{k} {info_string(k, v)}" for k, v in self._info.items())
                         + f" /CreationDate {when} /ModDate {when} >>")
        out = io.BytesIO()
        out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for num, body in enumerate(self._objects[1:], start=1):
            offsets.append(out.tell())
            out.write(f"{num} 0 obj\n".encode("latin-1") + body + b"\nendobj\n")
        xref = out.tell()
        out.write(f"xref\n0 {len(self._objects)}\n0000000000 65535 f \n".encode("latin-1"))
        out.write("".join(f"{o:010d} 00000 n \n" for o in offsets).encode("latin-1"))
        digest = hashlib.md5(out.getvalue(), usedforsecurity=False).hexdigest()
        out.write(f"trailer\n<< /Size {len(self._objects)} /Root {catalog} 0 R /Info {info} 0 R /ID [<{digest}> "
                  f"<{digest}>] >>\nstartxref\n{xref}\n%%EOF\n".encode("latin-1"))
        return out.getvalue()


def _cmap(used: dict[int, str]) -> str:
    entries = [(gid, text) for gid, text in sorted(used.items()) if text]
    lines = ["/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
             "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
             "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
             "1 begincodespacerange", "<0000> <FFFF>", "endcodespacerange"]
    for i in range(0, len(entries), 100):
        chunk = entries[i:i + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [f"<{gid:04X}> <{text.encode('utf-16-be').hex().upper()}>" for gid, text in chunk]
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines)
