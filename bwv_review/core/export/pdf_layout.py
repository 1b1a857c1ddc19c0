"""Pages for the PDF writer: paragraphs, boxed warnings, tables whose rows split across pages
(the header repeated), pictures, and a footer with "Page n of N".

Nothing is ever too long for a page: a paragraph or a table row continues on the next
page line by line, and a word wider than its column is broken between characters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .pdf_text import Style, Typesetter
from .pdf_writer import PdfWriter

A4 = (595.28, 841.89)
MARGIN = 56.69  # 2 cm
FOOTER_Y = 34.0
PAD = 3.0
GRID = (0.6, 0.6, 0.6)
HEAD_FILL = (0.93, 0.93, 0.93)
Pieces = list[tuple[str, Style]]


@dataclass
class Para:
    pieces: Pieces
    before: float = 0.0
    after: float = 2.0
    leading: float = 1.32
    rtl: bool | None = False  # None: from the first strong character (a quote on its own)
    box: tuple[tuple[float, float, float], tuple[float, float, float]] | None = None  # (border, fill)


@dataclass
class Table:
    widths: list[float]  # points
    header: list[Pieces]
    rows: list[list[Pieces]] = field(default_factory=list)  # a row of one cell spans every column
    leading: float = 1.25


@dataclass
class Picture:
    png: bytes
    width: float  # points


class Layout:
    def __init__(self, ts: Typesetter, pdf: PdfWriter, size: tuple[float, float] = A4):
        self.ts, self.pdf = ts, pdf
        self.width, self.height = size
        self.left, self.right = MARGIN, size[0] - MARGIN
        self.top, self.bottom = size[1] - MARGIN, MARGIN
        self.pages: list[list[str]] = []
        self.images: list[list[str]] = []  # image names each page draws
        self.y = 0.0
        self._head_page = -1
        self._new_page()

    def _new_page(self) -> None:
        self.pages.append([])
        self.images.append([])
        self.y = self.top

    @property
    def ops(self) -> list[str]:
        return self.pages[-1]

    def _rect(self, x: float, y: float, w: float, h: float, fill=None, stroke=None, index: int | None = None) -> None:
        op = "q "
        if fill:
            op += f"{fill[0]:g} {fill[1]:g} {fill[2]:g} rg "
        if stroke:
            op += f"{stroke[0]:g} {stroke[1]:g} {stroke[2]:g} RG 0.6 w "
        op += f"{x:.2f} {y:.2f} {w:.2f} {h:.2f} re {'B' if fill and stroke else 'f' if fill else 'S'} Q"
        if index is None:
            self.ops.append(op)
        else:
            self.ops.insert(index, op)

    def space(self, height: float) -> None:
        self.y -= height

    # -- paragraphs ---------------------------------------------------------------------
    def lines(self, p: Para) -> list:
        """``p`` broken into lines at the page's width (hand them to ``para`` to set them)."""
        return self.ts.break_lines(p.pieces, self.right - self.left - (12.0 if p.box else 0.0))

    def extent(self, p: Para, lines: list, first: int | None = None) -> float:
        """How much of the page ``p`` takes (its first ``first`` lines only, when given)."""
        shown = lines if first is None else lines[:first]
        text = sum(max((s.size for _, s in line), default=_size(p.pieces)) * p.leading for line in shown)
        return p.before + text + p.after + (12.0 if p.box else 0.0)

    def keep(self, height: float) -> None:
        """Start a new page unless ``height`` points are left on this one: what must be read
        together (a warning and the first lines of the quote it is about) stays together."""
        if self.y - height < self.bottom and self.y < self.top - 1 and height <= self.top - self.bottom:
            self._new_page()

    def para(self, p: Para, lines: list | None = None) -> None:
        inset = 6.0 if p.box else 0.0
        width = self.right - self.left - 2 * inset
        lines = self.ts.break_lines(p.pieces, width) if lines is None else lines
        self.y -= p.before
        if p.box:
            self.y -= inset
        box_top, box_index = self.y, len(self.ops)
        for line in lines:
            size = max((s.size for _, s in line), default=_size(p.pieces))
            height = size * p.leading
            if self.y - height < self.bottom:
                if p.box:
                    self._box(p, box_top, box_index)
                self._new_page()
                box_top, box_index = self.y, len(self.ops)
            baseline = self.y - size * 1.02
            if line:
                self.ts.draw_line(self.ops, self.pdf, line, self.left + inset, baseline, width, p.rtl)
            self.y -= height
        if p.box:
            self.y -= inset
            self._box(p, box_top, box_index)
        self.y -= p.after

    def _box(self, p: Para, top: float, index: int) -> None:
        border, fill = p.box
        self._rect(self.left, self.y, self.right - self.left, top - self.y, fill=fill, stroke=border, index=index)

    # -- tables -------------------------------------------------------------------------
    def table(self, t: Table) -> None:
        head = [self.ts.break_lines(c, w - 2 * PAD) for c, w in zip(t.header, t.widths, strict=True)]
        self._head_page = -1
        if self.y - self._head_height(t, head) - 3 * self._line_height(t, head) < self.bottom:
            self._new_page()  # no header alone at the foot of a page
        for row in t.rows:
            if len(row) == 1:
                cells = [self.ts.break_lines(row[0], sum(t.widths) - 2 * PAD)]
                widths = [sum(t.widths)]
            else:
                cells = [self.ts.break_lines(c, w - 2 * PAD) for c, w in zip(row, t.widths, strict=True)]
                widths = t.widths
            self._row(t, head, cells, widths)
        self.y -= 4

    def _line_height(self, t: Table, cells) -> float:
        sizes = [s.size for lines in cells for line in lines for _, s in line]
        return (max(sizes) if sizes else 8.0) * t.leading

    def _row(self, t: Table, head, cells, widths) -> None:
        lh = self._line_height(t, cells)
        n = max(len(lines) for lines in cells)
        whole = n * lh + 2 * PAD
        if self.y - whole < self.bottom and self.y < self.top - 1:
            if whole + self._head_height(t, head) <= self.top - self.bottom:
                self._new_page()  # keep a row that fits on one page together
        if self.y >= self.top - 1 or not self._has_head:
            self._draw_head(t, head)
        i = 0
        while i < n:
            fit = int((self.y - self.bottom - 2 * PAD) // lh)
            if fit < 1:
                self._new_page()
                self._draw_head(t, head)
                continue
            k = min(n - i, fit)
            self._draw_cells(cells, widths, i, k, lh, fill=None)
            i += k
            if i < n:
                self._new_page()
                self._draw_head(t, head)

    @property
    def _has_head(self) -> bool:
        return self._head_page == len(self.pages)

    def _head_height(self, t: Table, head) -> float:
        return max(len(lines) for lines in head) * self._line_height(t, head) + 2 * PAD

    def _draw_head(self, t: Table, head) -> None:
        lh = self._line_height(t, head)
        self._draw_cells(head, t.widths, 0, max(len(lines) for lines in head), lh, fill=HEAD_FILL)
        self._head_page = len(self.pages)

    def _draw_cells(self, cells, widths, first: int, count: int, lh: float, fill) -> None:
        height = count * lh + 2 * PAD
        x = self.left
        for lines, w in zip(cells, widths, strict=True):
            self._rect(x, self.y - height, w, height, fill=fill, stroke=GRID)
            baseline = self.y - PAD
            for line in lines[first:first + count]:
                size = max((s.size for _, s in line), default=8.0)
                baseline_here = baseline - size * 1.0
                if line:
                    self.ts.draw_line(self.ops, self.pdf, line, x + PAD, baseline_here, w - 2 * PAD, None)
                baseline -= lh
            x += w
        self.y -= height

    # -- pictures and the end -----------------------------------------------------------
    def picture(self, pic: Picture) -> None:
        name, w, h = self.pdf.image(pic.png)
        height = pic.width * h / w
        if self.y - height < self.bottom:
            self._new_page()
        self.ops.append(f"q {pic.width:.2f} 0 0 {height:.2f} {self.left:.2f} {self.y - height:.2f} cm /{name} Do Q")
        self.images[-1].append(name)
        self.y -= height + 3

    def finish(self, footer: str, style: Style) -> None:
        total = len(self.pages)
        width = self.right - self.left
        for n, ops in enumerate(self.pages, start=1):
            label = f"Page {n} of {total}"
            label_w = self.ts.width(label, style.size)
            text = _fit(self.ts, footer, style, width - label_w - 12)
            if text:
                self.ts.draw_line(ops, self.pdf, [(text, style)], self.left, FOOTER_Y, width - label_w - 12, False)
            self.ts.draw_line(ops, self.pdf, [(label, style)], self.right - label_w, FOOTER_Y, label_w, False)
            self.pdf.page("\n".join(ops), self.width, self.height, self.images[n - 1])


def _size(pieces: Pieces) -> float:
    return max((s.size for _, s in pieces), default=10.0)


def _fit(ts: Typesetter, text: str, style: Style, width: float) -> str:
    """One line of ``text`` (the footer), cut with an ellipsis if it is longer."""
    text = " ".join(text.split())[:300]
    if ts.width(text, style.size) <= width:
        return text
    while text and ts.width(text + "…", style.size) > width:
        text = text[: max(len(text) * 9 // 10, len(text) - 1)]
    return text + "…" if text else ""
