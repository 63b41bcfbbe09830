"""The certificate PDF: what a person reads, plus the signed data attached for machines.

The page shows the number, firm, activities, conditions and dates, a QR code and the short
code that lead to /verify/<code>/, and on a NOC a prominent "not an operating licence".
Every text is printed in English and, under it, in Urdu (ADR 0010): one PDF serves every reader,
whatever their language. Urdu is shaped with arabic-reshaper, put in display order with
python-bidi, wrapped line by line here, and drawn in Noto Naskh Arabic (`fonts/`); Latin runs
inside it (NOC, LEI, numbers) stay in Vera.
The signed payload and its signature are attached to the PDF as `certificate.json`
(`{"payload": …, "signature": …, "key_id": …, "algorithm": "Ed25519"}`), which
`manage.py verify_certificate FILE` checks offline with the public key.
"""

import io
import json
import re
from pathlib import Path
from xml.sax.saxutils import escape

import arabic_reshaper
import qrcode
from bidi import get_display
from django.utils import translation
from django.utils.translation import gettext, gettext_noop
from pypdf import PdfReader, PdfWriter
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.tables import LongTable

ATTACHMENT_NAME = "certificate.json"
FONT, FONT_BOLD = "Vera", "VeraBd"  # bundled with reportlab; wider coverage than Helvetica
URDU_FONT, URDU_FONT_BOLD = "NotoNaskhArabic", "NotoNaskhArabicBd"
FONT_DIR = Path(__file__).resolve().parent / "fonts"
# Arabic-script letters and their presentation forms (what the Naskh subset covers).
ARABIC_RUN = re.compile(r"([\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufefc]+)")

_fonts_registered = False


def _register_fonts():
    global _fonts_registered
    if not _fonts_registered:
        pdfmetrics.registerFont(TTFont(FONT, "Vera.ttf"))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, "VeraBd.ttf"))
        pdfmetrics.registerFont(TTFont(URDU_FONT, str(FONT_DIR / "NotoNaskhArabic-Regular.ttf")))
        pdfmetrics.registerFont(TTFont(URDU_FONT_BOLD, str(FONT_DIR / "NotoNaskhArabic-Bold.ttf")))
        _fonts_registered = True


def urdu(text: str) -> str:
    """`text` (an English msgid) in Urdu from the catalogue."""
    with translation.override("ur"):
        return gettext(text)


_MIRRORED = str.maketrans("()[]{}«»", ")(][}{»«")


def _visual(text: str) -> str:
    """Urdu in the order it is drawn: letters joined (reshaped), laid out right to left, and
    brackets mirrored (python-bidi reorders but does not mirror; in Urdu text brackets sit in
    the right-to-left run, round the English term they hold)."""
    return get_display(arabic_reshaper.reshape(text)).translate(_MIRRORED)


def _runs(visual: str, bold: bool):
    urdu_font, latin_font = (URDU_FONT_BOLD, FONT_BOLD) if bold else (URDU_FONT, FONT)
    for part in ARABIC_RUN.split(visual):
        if part:
            yield part, urdu_font if ARABIC_RUN.fullmatch(part) else latin_font


def _width(visual: str, size: float, bold: bool) -> float:
    return sum(pdfmetrics.stringWidth(part, font, size) for part, font in _runs(visual, bold))


def _urdu_lines(text: str, width: float, size: float, bold: bool) -> list[str]:
    """Wrap in reading order (so the first words are on the first line), then lay out each line."""
    lines, line = [], []
    for word in text.split():
        candidate = [*line, word]
        if line and _width(_visual(" ".join(candidate)), size, bold) > width:
            lines.append(_visual(" ".join(line)))
            line = [word]
        else:
            line = candidate
    if line:
        lines.append(_visual(" ".join(line)))
    return lines


def urdu_paragraph(text: str, style: ParagraphStyle, width: float) -> Paragraph:
    """A right-aligned paragraph of Urdu `text` (already translated) fitting `width` points."""
    bold = style.fontName == FONT_BOLD
    size = style.fontSize
    markup = "<br/>".join(
        "".join(f'<font name="{font}">{escape(part)}</font>' for part, font in _runs(line, bold))
        for line in _urdu_lines(text, width, size, bold)
    )
    urdu_style = ParagraphStyle(
        f"{style.name}-ur",
        parent=style,
        alignment=TA_RIGHT if style.alignment != TA_CENTER else TA_CENTER,
        leading=size * 1.45,
    )
    return Paragraph(markup, urdu_style)


def _value(value, s):
    return value if isinstance(value, list) else _p(value, s["value"])


def _both(text: str, style: ParagraphStyle, width: float) -> list:
    """English `text` and, under it, its Urdu translation."""
    return [_p(text, style), urdu_paragraph(urdu(text), style, width)]


class QrCode(Flowable):
    """A QR code drawn as vector squares (no raster image, no Pillow)."""

    def __init__(self, data: str, size: float):
        super().__init__()
        code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
        code.add_data(data)
        code.make(fit=True)
        self.matrix = code.get_matrix()
        self.size = size
        self.width = self.height = size

    def draw(self):
        cells = len(self.matrix)
        cell = self.size / cells
        self.canv.setFillColor(colors.black)
        for row, line in enumerate(self.matrix):
            for col, dark in enumerate(line):
                if dark:
                    self.canv.rect(col * cell, self.size - (row + 1) * cell, cell, cell, stroke=0, fill=1)


def _styles():
    return {
        "regulator": ParagraphStyle("regulator", fontName=FONT_BOLD, fontSize=12, alignment=TA_CENTER),
        "title": ParagraphStyle("title", fontName=FONT_BOLD, fontSize=20, leading=25, alignment=TA_CENTER),
        "warning": ParagraphStyle(
            "warning",
            fontName=FONT_BOLD,
            fontSize=14,
            leading=18,
            alignment=TA_CENTER,
            textColor=colors.white,
        ),
        "label": ParagraphStyle("label", fontName=FONT_BOLD, fontSize=10, leading=13),
        "value": ParagraphStyle("value", fontName=FONT, fontSize=10, leading=13),
        "small": ParagraphStyle("small", fontName=FONT, fontSize=8, leading=10),
        "code": ParagraphStyle("code", fontName=FONT_BOLD, fontSize=16, leading=20),
    }


def _p(text, style):
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


FULL = 170 * mm  # the text width of the page
LABEL_WIDTH = 50 * mm - 12  # the label column less its padding
VALUE_WIDTH = 120 * mm - 12
VERIFY_WIDTH = 125 * mm - 12


def render(payload: dict, *, verify_url: str, display_code: str, signature: str, key_id: str) -> bytes:
    """The certificate PDF for a signed `payload`, with the signed data attached."""
    _register_fonts()
    s = _styles()
    is_noc = payload["kind"] == "noc"
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"{payload['title']} {payload['number']}",
        author=payload["regulator"],
        subject=f"Verify at {verify_url}",
        creator="Licensing and AML registry portal",
        invariant=1,
    )
    story = [
        _p(payload["regulator"], s["regulator"]),
        Spacer(1, 4 * mm),
        *_both(payload["title"], s["title"], FULL),
    ]
    story.append(Spacer(1, 4 * mm))
    if is_noc:
        warning = Table([[_both(payload["notice"], s["warning"], FULL - 12)]], colWidths=[170 * mm])
        warning.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#b10e1e")),
                    ("TOPPADDING", (0, 0), (-1, -1), 8),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                ]
            )
        )
        story += [warning, Spacer(1, 4 * mm)]
    firm = payload["firm"]
    activities = [piece for a in payload["activities"] for piece in _both(a["name"], s["value"], VALUE_WIDTH)]
    rows = [
        (gettext_noop("Certificate number"), payload["number"]),
        (gettext_noop("Firm"), firm["legal_name"]),
        (gettext_noop("Regulator reference"), firm["reference_number"] or "—"),
        (gettext_noop("LEI"), firm["lei"] or "—"),
        (payload["activities_label"], activities or "—"),
        (
            gettext_noop("Conditions"),
            payload["conditions"] or _both(gettext_noop("None"), s["value"], VALUE_WIDTH),
        ),
        (gettext_noop("Issued on"), payload["issued_on"]),
        (gettext_noop("Valid until"), payload["expires_on"]),
    ]
    table = LongTable(
        [
            [
                _both(label, s["label"], LABEL_WIDTH),
                value if isinstance(value, list) else _p(value, s["value"]),
            ]
            for label, value in rows
        ],
        colWidths=[50 * mm, 120 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.grey),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    story += [table, Spacer(1, 5 * mm)]
    verify_block = [
        *_both(gettext_noop("Check this certificate's current status"), s["label"], VERIFY_WIDTH),
        *_both(gettext_noop("Scan the code or go to this address:"), s["value"], VERIFY_WIDTH),
        _p(verify_url, s["value"]),
        Spacer(1, 2 * mm),
        *_both(gettext_noop("Verification code"), s["label"], VERIFY_WIDTH),
        _p(display_code, s["code"]),
    ]
    footer = Table([[QrCode(verify_url, 35 * mm), verify_block]], colWidths=[45 * mm, 125 * mm])
    footer.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [footer, Spacer(1, 6 * mm)]
    story.append(
        _p(
            f"The data of this certificate is signed by the regulator "
            f"({payload['algorithm']}, key {key_id}). "
            f"Signature: {signature}",
            s["small"],
        )
    )
    doc.build(story)
    return attach(buffer.getvalue(), payload=payload, signature=signature, key_id=key_id)


def attach(pdf: bytes, *, payload: dict, signature: str, key_id: str) -> bytes:
    """`pdf` with the signed data attached as certificate.json."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    data = {"payload": payload, "signature": signature, "key_id": key_id, "algorithm": payload["algorithm"]}
    writer.add_attachment(ATTACHMENT_NAME, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def extract(pdf: bytes) -> dict:
    """The attached signed data of a certificate PDF; ValueError when there is none."""
    try:
        reader = PdfReader(io.BytesIO(pdf), strict=False)
        attachments = reader.attachments
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds on a damaged file
        raise ValueError(f"not a readable PDF: {exc}") from exc
    contents = attachments.get(ATTACHMENT_NAME)
    if not contents:
        raise ValueError(f"the PDF has no {ATTACHMENT_NAME} attachment")
    try:
        data = json.loads(contents[0])
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"{ATTACHMENT_NAME} is not valid JSON") from exc
    if not isinstance(data, dict) or not {"payload", "signature", "key_id"} <= set(data):
        raise ValueError(f"{ATTACHMENT_NAME} lacks payload, signature or key_id")
    return data
