"""Make tests/data/swale_2019_20_plan.xlsx: the Swale Community Safety Plan 2019/20 action plan
(actions 1.1–7.4) kept in a spreadsheet the way a partnership keeps it.

Source: the public plan in /work/shared/domain/seeds/004_3cd058e391830cc5.txt, section "6. Action
Plan 2019/20" (number, action, desired outcome, key milestones, timescales, lead agency, under
"Priority …" / "Cross Cutting Theme …" heading rows). The text conversion runs some cells over two
lines and loses the breaks between milestones; where it does, the split comes from the demo's
hand transcription of the same plan (cspdesk.demo.generator._PLAN), checked word for word against
the seed.

What a partnership adds when it tracks the plan — a title row, a target date, a status in its
own words (Delivered, Complete, Ongoing, In progress, On-hold, Discontinued, Not started…) and a
latest update — is synthetic and deterministic (it is made up here, not taken from Swale).

Run: python tests/data/make_swale_plan.py [SEED_FILE] [OUT.xlsx]
"""

from __future__ import annotations

import re
import sys
from datetime import date
from pathlib import Path

SEED = Path("/work/shared/domain/seeds/004_3cd058e391830cc5.txt")
OUT = Path(__file__).with_name("swale_2019_20_plan.xlsx")
HEADERS = ("No.", "Action", "Desired Outcome", "Key Milestones", "Timescales", "Lead agency", "Target date",
           "Status", "Update")
TITLE = "Swale Community Safety Partnership - Community Safety Plan 2019/20: Action Plan tracker"
YEAR_END = date(2020, 3, 31)

#: (status word as the partnership writes it, update). Picked per action by its position, so the
#: sheet carries every spelling the importer must understand.
PROGRESS = (
    ("Ongoing", "Quarterly report to CSP Executive; on track."),
    ("Delivered", "Delivered as planned; evaluation shared with partners."),
    ("In progress", "Work started; first milestone met."),
    ("Complete", "All milestones complete."),
    ("On-hold", "Paused until funding is confirmed for 2020/21."),
    ("Ongoing", "Continuing; reviewed at Project and Performance Group."),
    ("Completed", "Completed; closing report to CSP Executive."),
    ("Not started", ""),
    ("Discontinued", "No longer required: superseded by the county-wide approach."),
    ("Open", ""),
    ("On hold", "Awaiting the outcome of the Domestic Abuse Bill."),
)

_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                        "dec"), start=1)}


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()


def _items(cell: str) -> list[str]:
    if "<p>" in cell:
        return [_clean(p) for p in re.findall(r"<p>(.*?)</p>", cell) if _clean(p)]
    return [_clean(p) for p in re.split(r"\s{2,}", cell) if _clean(p)]


def parse_plan(seed: Path) -> list[dict]:
    text = seed.read_text(encoding="utf-8")
    start = text.index("## 6. Action Plan 2019/20")
    end = text.index("## 7.", start)
    rows: list[dict] = []
    heading = ""
    for line in text[start:end].splitlines()[1:]:
        if not line.strip() or line.startswith("No.\t"):
            continue
        cols = line.split("\t")
        first = cols[0].strip()
        if first.startswith("<b>"):
            heading = _clean(first)
            continue
        if re.fullmatch(r"\d+\.\d+", first):
            cols += [""] * (6 - len(cols))
            rows.append(dict(number=first, heading=heading, text=cols[1], outcome=cols[2], milestones=cols[3],
                             timescales=cols[4], lead=cols[5]))
            continue
        # A cell run over onto the next line: join each column to the row above.
        last = rows[-1]
        for key, extra in zip(("number", "text", "outcome", "milestones", "timescales", "lead"), cols, strict=False):
            if extra.strip() and key != "number":
                sep = "" if last[key].rstrip().endswith("</p>") else " "
                last[key] = f"{last[key].rstrip()}{sep}{'<p>' + extra.strip() + '</p>' if not sep else extra.strip()}"
    return rows


def _hand_split() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    try:
        from cspdesk.demo.generator import _PLAN
    except ImportError:
        return {}
    return {p[0]: (p[3], p[4]) for p in _PLAN}


def _words(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def _split(number: str, cell: str, hand: tuple[str, ...] | None) -> list[str]:
    items = _items(cell)
    if hand and len(items) < len(hand) and _words(" ".join(hand)) == _words(_clean(cell)):
        return list(hand)
    return items


def target_date(timescales: list[str]) -> date:
    """The latest date the timescales name ("By June 19" → 30 Jun 2019); the plan's year end for
    "Ongoing", "Quarterly", "As required"."""
    latest = None
    for t in timescales:
        m = re.search(r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*'?(\d{2,4})", t.lower())
        if not m:
            continue
        month, year = _MONTHS[m.group(1)], int(m.group(2))
        year = year + 2000 if year < 100 else year
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        day = date.fromordinal(nxt.toordinal() - 1)
        latest = day if latest is None or day > latest else latest
    return latest or YEAR_END


def build(seed: Path = SEED, out: Path = OUT) -> Path:
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill

    rows = parse_plan(seed)
    hand = _hand_split()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Action Plan 2019-20"
    ws.append([TITLE])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    ws.append(list(HEADERS))
    for cell in ws[3]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E79")
    wrap = Alignment(wrap_text=True, vertical="top")
    heading = None
    for i, r in enumerate(rows):
        if r["heading"] != heading:
            heading = r["heading"]
            ws.append([heading])
            ws.cell(ws.max_row, 1).font = Font(bold=True)
            ws.cell(ws.max_row, 1).fill = PatternFill("solid", fgColor="D9E1F2")
        hm = hand.get(r["number"])
        milestones = _split(r["number"], r["milestones"], hm[0] if hm else None)
        timescales = _split(r["number"], r["timescales"], hm[1] if hm else None)
        status, update = PROGRESS[i % len(PROGRESS)]
        ws.append([
            r["number"], _clean(r["text"]), _clean(r["outcome"]), "\n".join(milestones), "\n".join(timescales),
            _clean(r["lead"]), target_date(timescales), status, update,
        ])
        row = ws.max_row
        ws.cell(row, 1).number_format = "@"  # "4.10" stays text, not the number 4.1
        ws.cell(row, 7).number_format = "DD/MM/YYYY"
        for c in ws[row]:
            c.alignment = wrap
    for col, width in zip("ABCDEFGHI", (6, 45, 40, 55, 18, 28, 12, 13, 40), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A4"
    # Fixed document properties: the same seed gives the same bytes of content.
    from datetime import datetime

    wb.properties.creator = "Swale CSP (synthetic tracker for tests)"
    wb.properties.created = wb.properties.modified = datetime(2019, 4, 1, 9, 0)
    wb.save(out)
    return out


if __name__ == "__main__":
    seed = Path(sys.argv[1]) if len(sys.argv) > 1 else SEED
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else OUT
    path = build(seed, out)
    print(f"wrote {path} ({len(parse_plan(seed))} actions)")
