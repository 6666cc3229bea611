"""The pages of a PDF as images, with PDFium (pypdfium2), and painting them onto a printer.

QtPdf is not part of PySide6-Essentials, so the app draws PDFs with pypdfium2 — a binding to the
PDFium library Chrome uses, with wheels for Windows, macOS and Linux.

Hazard: PDFium is not thread-safe. Every call into it here holds :data:`PDFIUM_LOCK`, so a preview
being drawn and a print job on another thread take turns rather than corrupt each other. Nothing
here touches a widget: these functions run on worker threads (``cspdesk_gui.operations``, the database thread).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSizeF, Qt
from PySide6.QtGui import QImage, QPainter, QTransform
from PySide6.QtPrintSupport import QPrinter

#: The QImage format of PDFium's 4-byte pixels: BGRx is QImage.Format_RGB32 on little-endian
#: machines; on big-endian ones PDFium is asked for RGBx, which is Format_RGBX8888 there too.
_NATIVE_FORMAT = QImage.Format.Format_RGB32 if sys.byteorder == "little" else QImage.Format.Format_RGBX8888

#: One PDFium call at a time, whichever thread makes it.
PDFIUM_LOCK = threading.Lock()

#: Points per inch: PDF sizes are in points.
POINTS_PER_INCH = 72.0
#: The most detail a printed page is drawn at: enough for text on any office printer, and an A4
#: page at 300 dpi is already 35 MB of pixels (a "high resolution" PDF printer asks for 1200).
MAX_PRINT_DPI = 300

Progress = Callable[[int, str], None]


@dataclass(frozen=True)
class PageImage:
    """One page drawn at some scale: its image, and its size in points (for layout and zoom)."""

    number: int  # from 1
    image: QImage
    size_points: QSizeF


def page_count(pdf: bytes) -> int:
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        document = pdfium.PdfDocument(pdf)
        try:
            return len(document)
        finally:
            document.close()


def page_sizes(pdf: bytes) -> list[QSizeF]:
    """Every page's size in points."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        document = pdfium.PdfDocument(pdf)
        try:
            return [QSizeF(*document.get_page_size(i)) for i in range(len(document))]
        finally:
            document.close()


def render_pages(pdf: bytes, dpi: float, progress: Progress | None = None, *,
                 first: int = 1, last: int | None = None, numbers: Sequence[int] | None = None) -> list[PageImage]:
    """Pages ``first``..``last`` (from 1; all by default), or the pages ``numbers``, drawn at ``dpi``.

    ``progress(percent, message)`` is called before each page; it may raise to stop (a cancelled
    background call does), and the pages drawn so far are dropped with the exception."""
    return list(iter_pages(pdf, dpi, progress, first=first, last=last, numbers=numbers))


def iter_pages(pdf: bytes, dpi: float, progress: Progress | None = None, *, first: int = 1,
               last: int | None = None, numbers: Sequence[int] | None = None) -> Iterator[PageImage]:
    """Like :func:`render_pages`, one page at a time (the printer paints each before the next is
    drawn, so only one page's pixels are held)."""
    import pypdfium2 as pdfium

    scale = dpi / POINTS_PER_INCH
    with PDFIUM_LOCK:
        document = pdfium.PdfDocument(pdf)
        total = len(document)
    try:
        if numbers is not None:
            wanted: Sequence[int] = [n for n in numbers if 1 <= n <= total]
        else:
            last = total if last is None else min(last, total)
            wanted = range(max(first, 1), last + 1)
        for n, number in enumerate(wanted):
            if progress is not None:
                progress(int(100 * n / max(len(wanted), 1)), f"Page {number} of {total}")
            with PDFIUM_LOCK:
                page = document[number - 1]
                try:
                    width, height = page.get_size()
                    # BGRx bytes are Qt's own 32-bit format on little-endian machines (every one this
                    # runs on): nothing is converted when the image is shown or painted.
                    bitmap = page.render(scale=scale, rev_byteorder=sys.byteorder == "big", prefer_bgrx=True)
                    try:
                        # copy(): the image owns its pixels once the bitmap is freed.
                        image = QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride,
                                       _NATIVE_FORMAT).copy()
                    finally:
                        bitmap.close()
                finally:
                    page.close()
            yield PageImage(number, image, QSizeF(width, height))
    finally:
        with PDFIUM_LOCK:
            document.close()


def print_dpi(printer: QPrinter) -> int:
    return max(72, min(printer.resolution(), MAX_PRINT_DPI))


def print_pdf(pdf: bytes, printer: QPrinter, progress: Progress | None = None) -> int:
    """Paint the pages of ``pdf`` onto ``printer``, one image per sheet, and return how many were
    sent. The printer's page range (``fromPage``/``toPage``, from the print dialog) is honoured.

    Each page is drawn at the printer's resolution (at most :data:`MAX_PRINT_DPI`) and fitted to the
    whole sheet — the PDF already has its margins — keeping its proportions; a landscape page on
    portrait paper is turned. ``progress`` may raise to stop: the job is then aborted, so a
    cancelled print sends nothing.

    Runs on a worker thread: Qt allows painting on a QPrinter outside the GUI thread.
    """
    total = page_count(pdf)
    first = printer.fromPage() or 1
    last = printer.toPage() or total
    printer.setFullPage(True)  # the painter's origin is the sheet's corner, not the printer's margin
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("The printer could not be started.")
    sent = 0
    try:
        sheet = printer.pageLayout().fullRectPixels(printer.resolution())
        target_area = QRectF(0, 0, sheet.width(), sheet.height())
        for page in iter_pages(pdf, print_dpi(printer), progress, first=first, last=last):
            if sent:
                printer.newPage()
            image = page.image
            if (image.width() > image.height()) != (target_area.width() > target_area.height()):
                image = image.transformed(QTransform().rotate(90))
            size = QSizeF(image.size()).scaled(target_area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRectF(target_area.x() + (target_area.width() - size.width()) / 2,
                            target_area.y() + (target_area.height() - size.height()) / 2,
                            size.width(), size.height())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, image)
            sent += 1
        if progress is not None:
            progress(100, "Sending to the printer")
    except BaseException:
        printer.abort()
        painter.end()
        raise
    painter.end()
    return sent
