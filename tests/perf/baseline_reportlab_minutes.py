"""Baseline for ``cspdesk print minutes`` as a process: a plain reportlab script typesetting the
same minutes' text (``python baseline_reportlab_minutes.py TEXT_FILE OUT.pdf``).

The text file holds the minutes as our own PDF reads back (pypdf), pages separated by form feeds;
this script sets each line as a paragraph in one frame with a page break where ours had one —
the same words and pages, with none of CSPDesk's database, services, fonts or templates. Run as
its own process, so the ratio compares whole programs: interpreter, imports, render and write.
"""

from __future__ import annotations

import sys
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate


def main(text_file: str, out: str) -> int:
    style = getSampleStyleSheet()["BodyText"]
    story: list = []
    for number, page in enumerate(Path(text_file).read_text(encoding="utf-8").split("\f")):
        if number:
            story.append(PageBreak())
        story.extend(Paragraph(escape(line), style) for line in page.splitlines() if line.strip())
    SimpleDocTemplate(out, pagesize=A4, title="Minutes").build(story)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
