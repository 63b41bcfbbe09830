"""Reading sanctions and watch lists: the UN Security Council Consolidated List (XML) and a
national list (CSV). Parsers only read: they return `ParsedEntry` rows or raise
`portal.errors.RuleBroken` naming the line (and, for XML, the element path) that is wrong.
aml.importing turns the rows into a list version.

UN XML, as the UN publishes it (only the elements read here are listed):

    <CONSOLIDATED_LIST>
      <INDIVIDUALS><INDIVIDUAL>
        <DATAID/> <REFERENCE_NUMBER/> <FIRST_NAME/> <SECOND_NAME/> <THIRD_NAME/> <FOURTH_NAME/>
        <NAME_ORIGINAL_SCRIPT/>  (the name as written in its own script: kept as an alias)
        <UN_LIST_TYPE/> <LISTED_ON/> <COMMENTS1/> <NATIONALITY><VALUE/></NATIONALITY>
        <INDIVIDUAL_ALIAS><QUALITY/><ALIAS_NAME/></INDIVIDUAL_ALIAS>
        <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE/><DATE/> | <YEAR/> | <FROM_YEAR/><TO_YEAR/>
        </INDIVIDUAL_DATE_OF_BIRTH>
      </INDIVIDUAL></INDIVIDUALS>
      <ENTITIES><ENTITY> ... <FIRST_NAME/> ... <ENTITY_ALIAS>...</ENTITY_ALIAS></ENTITY></ENTITIES>
    </CONSOLIDATED_LIST>

The XML parser is defusedxml's: a file with a DTD or entity declarations is refused (no
entity expansion, no external references).

National CSV: UTF-8, comma-separated, one header line with these columns (any order; the
last three may be left out):

    reference,kind,name,aliases,dates_of_birth,nationalities

`kind` is `person` (or `individual`) or `entity`; `aliases`, `dates_of_birth` and
`nationalities` hold several values separated by `;`; a date is `YYYY-MM-DD` or `YYYY`;
a nationality is a two-letter ISO code (or a country name the portal knows).
"""

import csv
import datetime
import io
import re
import xml.etree.ElementTree as ET  # noqa: S405 - only its TreeBuilder; parsing is defusedxml's
from dataclasses import dataclass, field

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser, ParseError
from django.utils.translation import gettext as _

from aml.models import EntryKind, ListFormat
from portal.countries import code_for_name as country_code
from portal.errors import RuleBroken

MAX_FILE_BYTES = 200 * 1024 * 1024
CSV_COLUMNS = ("reference", "kind", "name", "aliases", "dates_of_birth", "nationalities")
CSV_REQUIRED = ("reference", "kind", "name")
_YEAR = re.compile(r"^\d{4}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MAX_YEAR_RANGE = 10


@dataclass
class ParsedEntry:
    reference: str
    kind: str
    name: str
    aliases: list[str] = field(default_factory=list)
    dates_of_birth: list[str] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)
    details: dict = field(default_factory=dict)
    where: str = ""  # "line 12" or "line 12, element /CONSOLIDATED_LIST/...": for messages


def refuse(where: str, message: str):
    """Raise the error a malformed file gets: where it is wrong, then what is wrong."""
    detail = _("The file was not imported: %(where)s: %(message)s") % {"where": where, "message": message}
    raise RuleBroken(detail, field_errors={"file": [detail]})


def _unique(values) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def _check_date(value: str, where: str) -> str:
    if _YEAR.match(value):
        return value
    if _DATE.match(value):
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            pass
        else:
            return value
    refuse(where, _("“%(value)s” is not a date (YYYY-MM-DD or YYYY).") % {"value": value})


# --- UN Security Council Consolidated List (XML).


class _LineTarget:
    """A tree builder that remembers the line on which each element starts."""

    def __init__(self):
        self.builder = ET.TreeBuilder()
        self.lines: dict[int, int] = {}
        self.parser = None

    def start(self, tag, attrs):
        element = self.builder.start(tag, attrs)
        self.lines[id(element)] = self.parser.parser.CurrentLineNumber
        return element

    def end(self, tag):
        return self.builder.end(tag)

    def data(self, data):
        self.builder.data(data)

    def close(self):
        return self.builder.close()


def _xml_tree(content: bytes):
    target = _LineTarget()
    parser = DefusedXMLParser(target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    target.parser = parser
    try:
        parser.feed(content)
        root = parser.close()
    except ParseError as error:
        line, column = error.position
        message = str(error.msg).split(": line")[0]
        refuse(_("line %(line)s, column %(column)s") % {"line": line, "column": column + 1}, message)
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden):
        where = _("line %(line)s") % {"line": parser.parser.CurrentLineNumber}
        refuse(where, _("the file declares a DTD or entities, which are refused for safety."))
    return root, target.lines


class _Walker:
    def __init__(self, lines):
        self.lines = lines

    def where(self, element, path: str) -> str:
        return _("line %(line)s, element %(path)s") % {"line": self.lines.get(id(element), "?"), "path": path}

    @staticmethod
    def text(element, tag: str) -> str:
        child = element.find(tag)
        return " ".join((child.text or "").split()) if child is not None else ""


def _un_dates(walker, element, path: str) -> list[str]:
    dates = []
    for n, dob in enumerate(element.findall("INDIVIDUAL_DATE_OF_BIRTH"), start=1):
        here = f"{path}/INDIVIDUAL_DATE_OF_BIRTH[{n}]"
        date, year = walker.text(dob, "DATE"), walker.text(dob, "YEAR")
        low, high = walker.text(dob, "FROM_YEAR"), walker.text(dob, "TO_YEAR")
        if date:
            dates.append(_check_date(date[:10], walker.where(dob.find("DATE"), f"{here}/DATE")))
        if year:
            if not _YEAR.match(year):
                where = walker.where(dob.find("YEAR"), f"{here}/YEAR")
                refuse(where, _("“%(value)s” is not a year.") % {"value": year})
            dates.append(year)
        if low or high:
            years = _YEAR.match(low) and _YEAR.match(high)
            if not years or not 0 <= int(high) - int(low) <= _MAX_YEAR_RANGE:
                message = _("FROM_YEAR and TO_YEAR must be years in order, at most %(n)s apart.")
                refuse(walker.where(dob, here), message % {"n": _MAX_YEAR_RANGE})
            dates.extend(str(y) for y in range(int(low), int(high) + 1))
    return dates


def _un_entry(walker, element, path: str, kind: str, alias_tag: str) -> ParsedEntry:
    text = walker.text
    first = text(element, "FIRST_NAME")
    if not first:
        refuse(walker.where(element, f"{path}/FIRST_NAME"), _("the name (FIRST_NAME) is missing or empty."))
    reference = text(element, "REFERENCE_NUMBER") or (
        f"DATAID-{text(element, 'DATAID')}" if text(element, "DATAID") else ""
    )
    if not reference:
        refuse(walker.where(element, path), _("neither REFERENCE_NUMBER nor DATAID is given."))
    parts = [first] + [text(element, t) for t in ("SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
    aliases = [text(alias, "ALIAS_NAME") for alias in element.findall(alias_tag)]
    aliases.append(text(element, "NAME_ORIGINAL_SCRIPT"))  # e.g. Arabic: screened transliterated
    nationalities = [
        country_code(v.text or "") or " ".join((v.text or "").split())
        for v in element.findall("NATIONALITY/VALUE")
    ]
    details = {
        "dataid": text(element, "DATAID"),
        "un_list_type": text(element, "UN_LIST_TYPE"),
        "listed_on": text(element, "LISTED_ON"),
        "comments": text(element, "COMMENTS1"),
    }
    return ParsedEntry(
        reference=reference,
        kind=kind,
        name=" ".join(p for p in parts if p),
        aliases=_unique(aliases),
        dates_of_birth=_unique(_un_dates(walker, element, path)) if kind == EntryKind.PERSON else [],
        nationalities=_unique(nationalities),
        details={k: v for k, v in details.items() if v},
        where=walker.where(element, path),
    )


def parse_un_xml(content: bytes) -> list[ParsedEntry]:
    root, lines = _xml_tree(content)
    walker = _Walker(lines)
    if root.tag != "CONSOLIDATED_LIST":
        refuse(walker.where(root, f"/{root.tag}"), _("the root element must be CONSOLIDATED_LIST."))
    entries = []
    for group, tag, kind, alias_tag in (
        ("INDIVIDUALS", "INDIVIDUAL", EntryKind.PERSON, "INDIVIDUAL_ALIAS"),
        ("ENTITIES", "ENTITY", EntryKind.ENTITY, "ENTITY_ALIAS"),
    ):
        for holder in root.findall(group):
            for n, element in enumerate(holder.findall(tag), start=1):
                path = f"/CONSOLIDATED_LIST/{group}/{tag}[{n}]"
                entries.append(_un_entry(walker, element, path, kind, alias_tag))
    return entries


# --- National list (CSV).


def _csv_text(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        refuse(_("line %(line)s") % {"line": line}, _("the file is not UTF-8 text."))


def _csv_row(values: dict, where) -> ParsedEntry:
    def split(column):
        return [" ".join(v.split()) for v in (values.get(column) or "").split(";") if v.strip()]

    reference, name = values["reference"].strip(), " ".join(values["name"].split())
    kind = values["kind"].strip().casefold()
    if not reference:
        refuse(where("reference"), _("the reference is empty."))
    if not name:
        refuse(where("name"), _("the name is empty."))
    kinds = {"person": EntryKind.PERSON, "individual": EntryKind.PERSON, "entity": EntryKind.ENTITY}
    if kind not in kinds:
        refuse(where("kind"), _("“%(value)s” is not person or entity.") % {"value": values["kind"]})
    nationalities = []
    for value in split("nationalities"):
        code = country_code(value)
        if not code:
            refuse(
                where("nationalities"),
                _("“%(value)s” is not a country code or a country name the portal knows.") % {"value": value},
            )
        nationalities.append(code)
    return ParsedEntry(
        reference=reference,
        kind=kinds[kind],
        name=name,
        aliases=_unique(split("aliases")),
        dates_of_birth=_unique(_check_date(v, where("dates_of_birth")) for v in split("dates_of_birth")),
        nationalities=_unique(nationalities),
        where=where(None),
    )


def parse_csv(content: bytes) -> list[ParsedEntry]:
    reader = csv.reader(io.StringIO(_csv_text(content), newline=""))
    try:
        header = [h.strip().casefold() for h in next(reader, [])]
        missing = [c for c in CSV_REQUIRED if c not in header]
        unknown = [h for h in header if h not in CSV_COLUMNS]
        if missing or unknown or len(set(header)) != len(header):
            refuse(
                _("line 1 (header)"),
                _("the header must name the columns %(columns)s (reference, kind and name are required).")
                % {"columns": ",".join(CSV_COLUMNS)},
            )
        entries = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            line = reader.line_num

            def where(column, line=line):
                if column is None:
                    return _("line %(line)s") % {"line": line}
                return _("line %(line)s, column %(column)s") % {"line": line, "column": column}

            if len(row) != len(header):
                refuse(
                    where(None),
                    _("expected %(expected)s values, found %(found)s.")
                    % {"expected": len(header), "found": len(row)},
                )
            entries.append(_csv_row(dict(zip(header, row, strict=True)), where))
    except csv.Error as error:
        refuse(_("line %(line)s") % {"line": reader.line_num}, str(error))
    return entries


PARSERS = {ListFormat.UN_XML: parse_un_xml, ListFormat.CSV: parse_csv}


def parse(fmt: str, content: bytes) -> list[ParsedEntry]:
    """Parse a whole file; refuse an empty, oversized or malformed one, or duplicate references."""

    def whole_file(message):
        raise RuleBroken(message, field_errors={"file": [message]})

    if fmt not in PARSERS:
        whole_file(_("Unknown list format “%(fmt)s”.") % {"fmt": fmt})
    if len(content) > MAX_FILE_BYTES:
        whole_file(_("The file is too large to be a sanctions list."))
    entries = PARSERS[fmt](content)
    if not entries:
        whole_file(
            _("The file was not imported: it holds no entries (an empty list would remove every entry).")
        )
    seen = {}
    for entry in entries:
        if entry.reference in seen:
            refuse(
                entry.where,
                _("the reference “%(ref)s” appears again (first at %(first)s).")
                % {"ref": entry.reference, "first": seen[entry.reference]},
            )
        seen[entry.reference] = entry.where
    return entries
