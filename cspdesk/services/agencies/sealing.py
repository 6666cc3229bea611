"""Sealing what goes to an agency: PDFs encrypted with AES-256 (pypdf, with ``cryptography``),
workbooks with a password (msoffcrypto-tool: Office's own "Encrypt with password", which Excel and
LibreOffice open), and the e-mail draft (.eml) that carries them. No database here.

The passwords never travel with the files: the caller lists them separately, to be given another way.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate

#: An encrypted Office file is an OLE compound document; a plain .xlsx is a zip.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class WrongPassword(ValueError):
    pass


def encrypt_pdf(content: bytes, password: str) -> bytes:
    """``content`` (a PDF) encrypted with AES-256: it opens only with ``password``."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(content)))
    writer.encrypt(user_password=password, owner_password=None, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypt_xlsx(content: bytes, password: str) -> bytes:
    """``content`` (an .xlsx) encrypted as Office does with a password (ECMA-376 agile, AES-256)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(content)).encrypt(password, out)
    return out.getvalue()


def is_encrypted_office_file(content: bytes) -> bool:
    return content[:8] == _OLE_MAGIC


def decrypt_xlsx(content: bytes, password: str) -> bytes:
    """An encrypted workbook opened with ``password``; WrongPassword if it does not open it."""
    import msoffcrypto
    from msoffcrypto.exceptions import DecryptionError, InvalidKeyError

    office = msoffcrypto.OfficeFile(io.BytesIO(content))
    out = io.BytesIO()
    try:
        office.load_key(password=password)
        office.decrypt(out)
    except (DecryptionError, InvalidKeyError) as exc:
        raise WrongPassword("The password does not open this file.") from exc
    return out.getvalue()


_TYPES = {".pdf": ("application", "pdf"),
          ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")}


def draft_email(*, to: str, subject: str, body: str, attachments: Sequence[tuple[str, bytes]]) -> bytes:
    """An unsent e-mail (``X-Unsent: 1``: Outlook and Thunderbird open it as a draft to send) to
    ``to`` with the files attached."""
    msg = EmailMessage()
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["X-Unsent"] = "1"
    msg.set_content(body)
    for name, data in attachments:
        maintype, subtype = _TYPES.get(name[name.rfind("."):].lower(), ("application", "octet-stream"))
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return bytes(msg)
