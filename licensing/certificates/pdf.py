"""The certificate PDF: what a person reads, plus the signed data attached for machines.

The page shows the number, firm, activities, conditions and dates, a QR code and the short
code that lead to /verify/<code>/, and on a NOC a prominent "not an operating licence".
The signed payload and its signature are attached to the PDF as `certificate.json`
(`{"payload": …, "signature": …, "key_id": …, "algorithm": "Ed25519"}`), which
`manage.py verify_certificate FILE` checks offline with the public key.
"""

import io
import json
from xml.sax.saxutils import escape

import qrcode
from pypdf import PdfReader, PdfWriter
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.tables import LongTable

ATTACHMENT_NAME = "certificate.json"
FONT, FONT_BOLD = "Vera", "VeraBd"  # bundled with reportlab; wider coverage than Helvetica

_fonts_registered = False


def _register_fonts():
    global _fonts_registered
    if not _fonts_registered:
        pdfmetrics.registerFont(TTFont(FONT, "Vera.ttf"))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, "VeraBd.ttf"))
        _fonts_registered = True


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
        "title": ParagraphStyle("title", fontName=FONT_BOLD, fontSize=22, leading=28, alignment=TA_CENTER),
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
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"{payload['title']} {payload['number']}",
        author=payload["regulator"],
        subject=f"Verify at {verify_url}",
        creator="Licensing and AML registry portal",
        invariant=1,
    )
    story = [_p(payload["regulator"], s["regulator"]), Spacer(1, 4 * mm), _p(payload["title"], s["title"])]
    story.append(Spacer(1, 4 * mm))
    if is_noc:
        warning = Table([[_p(payload["notice"], s["warning"])]], colWidths=[170 * mm])
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
    activities = "\n".join(a["name"] for a in payload["activities"]) or "—"
    rows = [
        ("Certificate number", payload["number"]),
        ("Firm", firm["legal_name"]),
        ("Regulator reference", firm["reference_number"] or "—"),
        ("LEI", firm["lei"] or "—"),
        (payload["activities_label"], activities),
        ("Conditions", payload["conditions"] or "None"),
        ("Issued on", payload["issued_on"]),
        ("Valid until", payload["expires_on"]),
    ]
    table = LongTable(
        [[_p(label, s["label"]), _p(value, s["value"])] for label, value in rows],
        colWidths=[50 * mm, 120 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.grey),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    story += [table, Spacer(1, 8 * mm)]
    verify_block = [
        _p("Check this certificate's current status", s["label"]),
        _p(f"Scan the code or go to {verify_url}", s["value"]),
        Spacer(1, 2 * mm),
        _p("Verification code", s["label"]),
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
