"""Help > Keyboard: every binding, grouped, generated from ui.keyboard so it never drifts."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout

from ..keyboard import BINDINGS, TEXT_HELP, native


def sheet_html() -> str:
    groups: dict[str, list[tuple[str, str]]] = {}
    for b in BINDINGS:
        if b.name == "mark" and b.arg != 1:
            continue
        keys, label = native(b), b.label
        if b.name == "mark":
            keys, label = "1 … 9", "Mark the category bound to that key at the current position (minus reaction lag while playing); type the words, Enter"
        groups.setdefault(b.group, []).append((keys, label))
    groups["Typing the words"] = list(TEXT_HELP)
    parts = ["<style>td{padding:2px 12px 2px 0} kbd{font-weight:bold}</style>"]
    for group, rows in groups.items():
        parts.append(f"<h3>{group}</h3><table>")
        parts += [f"<tr><td><kbd>{k}</kbd></td><td>{v}</td></tr>" for k, v in rows]
        parts.append("</table>")
    return "".join(parts)


class KeyboardSheet(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard")
        view = QTextBrowser()
        view.setHtml(sheet_html())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(view)
        layout.addWidget(buttons)
        self.resize(620, 640)
