"""What the public register shows, defined once.

`public_firms()` is every firm on the register (a firm appears once it has a regulator
reference number, i.e. once it first submitted an application); `public_summary(firm)` is a
row of the list, `public_entry(firm)` the full entry of DOMAIN.md ("What a public register
entry shows"). The pages, the downloads and the API serialise these dictionaries and
nothing else, so a private field can only leak by being added here.

Deliberately absent: documents, application contents, internal notes and reasons written by
staff, screening results, contact details, and anything about key individuals beyond their
names and roles.
"""

import json
from collections import defaultdict
from functools import lru_cache
from types import SimpleNamespace

from django.db import connection
from django.db.models import Prefetch, Q, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from aml.models import AmlRegistration, AmlStatus
from licensing.models import (
    Activity,
    Application,
    ApplicationStatus,
    Firm,
    FirmChangeRequest,
    FirmStage,
    FirmStageChange,
    KeyIndividual,
    Licence,
    Noc,
)
from licensing.models.authorisations import LicenceStatus
from licensing.operating import (
    AML_SERVICES_ONLY,
    EXPIRED,
    LICENCE_STAGES,
    NOT_PERMITTED,
    PERMITTED,
    licence_expiry_subquery,
    licence_status_on,
    operating_status,
)
from portal.countries import country_name as portal_country_name
from portal.dates import local_today

PAGE_SIZE = 50
MAX_PAGE_SIZE = 100

# What a firm may do today (licensing.operating decides), in one word for machines.
OPERATING_PERMITTED = PERMITTED
OPERATING_AML_SERVICES_ONLY = AML_SERVICES_ONLY
OPERATING_NOT_PERMITTED = NOT_PERMITTED
OPERATING_EXPIRED = EXPIRED

# Licences whose activities the register lists (a suspended licence's, under its banner).
SHOWN_LICENCE_STATUSES = (LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED)
# Stage changes that are supervisory (enforcement) actions.
ENFORCEMENT_STAGES = {
    FirmStage.SUSPENDED: "suspension",
    FirmStage.REVOKED: "revocation",
}

# What a list row reads, and the names summary_page() gives the columns.
_SUMMARY_FIELDS = (
    "id",
    "legal_name",
    "trading_names",
    "reference_number",
    "lei",
    "local_company_number",
    "incorporation_country",
    "stage",
    "stage_changed_at",
    "updated_at",
    "aml_registration__status",
    "aml_registration__status_changed_at",
    "licence_expires_on",
)
_ROW_NAMES = [f.replace("aml_registration__", "aml_") for f in _SUMMARY_FIELDS]


def public_firms():
    """Every firm on the register, ordered by name (index `register_firm_name`), each with its
    latest licence's expiry (`licence_expires_on`). Lists read it through summary_page(); full
    entries through with_entry_details()."""
    return (
        Firm.objects.filter(reference_number__isnull=False)
        .annotate(licence_expires_on=licence_expiry_subquery())
        .order_by("legal_name", "pk")
    )


def with_entry_details(queryset):
    """`queryset` (of public_firms()) with everything a full entry needs, in fixed queries."""
    approved = (
        Application.objects.filter(status=ApplicationStatus.APPROVED)
        .only("id", "firm_id", "kind", "decided_at")
        .order_by("-decided_at", "-pk")
        .prefetch_related(
            Prefetch(
                "key_individuals",
                queryset=KeyIndividual.objects.only("id", "application_id", "role", "full_name"),
            )
        )
    )
    return queryset.select_related("aml_registration").prefetch_related(
        Prefetch(
            "change_requests",
            queryset=FirmChangeRequest.objects.former_legal_names().only(
                "id", "firm_id", "changes", "decided_at", "status", "kind"
            ),
            to_attr="public_former_names",
        ),
        Prefetch(
            "stage_changes",
            queryset=FirmStageChange.objects.only(
                "id", "firm_id", "from_stage", "to_stage", "effective_at"
            ).order_by("effective_at", "pk"),
            to_attr="public_stage_changes",
        ),
        Prefetch(
            "nocs",
            queryset=Noc.objects.select_related("certificate").order_by("-issued_on", "-pk"),
            to_attr="public_nocs",
        ),
        Prefetch(
            "licences",
            queryset=Licence.objects.select_related("certificate").order_by("-issued_on", "-pk"),
            to_attr="public_licences",
        ),
        Prefetch("applications", queryset=approved, to_attr="public_approved_applications"),
    )


def search(queryset, *, q: str = "", stage: str = "", activity: str = "", on=None):
    """Filter the register: `q` matches name, trading name, reference number or LEI; `stage`
    and `activity` as on the day `on` (today): a licence past its expiry is expired, with no
    activities, before the sweep records it."""
    on = on or local_today()
    q = " ".join((q or "").split())
    if q:
        queryset = queryset.filter(
            Q(legal_name__icontains=q)
            | Q(trading_names__icontains=q)
            | Q(reference_number__icontains=q)
            | Q(lei__iexact=q.replace(" ", "").upper())
        )
    if stage:
        expired = Q(stage__in=LICENCE_STAGES, licence_expires_on__lt=on)
        if stage == FirmStage.EXPIRED:
            queryset = queryset.filter(Q(stage=stage) | expired)
        else:
            queryset = queryset.filter(stage=stage).exclude(expired)
    if activity:
        licensed = Licence.objects.filter(
            status__in=SHOWN_LICENCE_STATUSES, expires_on__gte=on, permitted_activities__code=activity
        ).values("firm_id")
        aml = AmlRegistration.objects.filter(
            status=AmlStatus.REGISTERED, registered_services__code=activity
        ).values("firm_id")
        queryset = queryset.filter(
            Q(stage__in=[FirmStage.LICENSED, FirmStage.SUSPENDED], pk__in=licensed)
            | Q(stage=FirmStage.AML_REGISTERED, pk__in=aml)
        )
    return queryset


def activity_choices():
    """(code, name in the reader's language) of the active activities."""
    rows = Activity.objects.filter(is_active=True).order_by("name").values_list("code", "name", "name_ur")
    return [(code, Activity.label(code, name, name_ur)) for code, name, name_ur in rows]


def summary_page(queryset, *, offset: int, limit: int, on=None) -> list:
    """Rows `offset`..`offset + limit` of `queryset` as list rows. Rows are light objects (no
    model instances) with the attributes public_summary() reads.

    PostgreSQL: one query; each row carries its activities (a correlated JSON aggregate, see
    _activities_pg) and its last-updated moment (GREATEST). Elsewhere (SQLite): the page, then
    at most one query for the activities (attach_activities). `on`: the day (today) whose
    activities are shown (none once a licence has expired)."""
    on = on or local_today()
    if connection.vendor == "postgresql":
        return _summary_page_pg(queryset, offset=offset, limit=limit, on=on)
    values = queryset.values_list(*_SUMMARY_FIELDS)[offset : offset + limit]
    rows = []
    for row in values:
        firm = SimpleNamespace(**dict(zip(_ROW_NAMES, row, strict=True)))
        firm.pk = firm.id
        firm.aml_registration = (
            SimpleNamespace(status=firm.aml_status, status_changed_at=firm.aml_status_changed_at)
            if firm.aml_status
            else None
        )
        rows.append(firm)
    return attach_activities(rows, on=on)


# The PostgreSQL page reads these, then the activities (JSON text) and the last-updated moment.
_PG_FIELDS = (
    "id",
    "legal_name",
    "trading_names",
    "reference_number",
    "lei",
    "local_company_number",
    "incorporation_country",
    "stage",
    "stage_changed_at",
    "aml_registration__status",
    "licence_expires_on",
)


def _activities_pg(on) -> RawSQL:
    """Per firm row: what it may offer now, as JSON text `[[code, name], ...]` (NULL for none),
    by the same rules as attach_activities(): the activities of a licensed or suspended firm's
    shown licences, the services of an AML-registered firm's confirmed registration."""
    q = connection.ops.quote_name
    firm, activity = q(Firm._meta.db_table), q(Activity._meta.db_table)
    licence, licence_through = (
        q(Licence._meta.db_table),
        q(Licence.permitted_activities.through._meta.db_table),
    )
    registration = q(AmlRegistration._meta.db_table)
    registration_through = q(AmlRegistration.registered_services.through._meta.db_table)
    aggregate = "SELECT json_agg(json_build_array(a.code, a.name))::text "
    sql = (
        f"CASE WHEN {firm}.stage IN (%s, %s) THEN ({aggregate}"  # noqa: S608 - names from the models
        f"FROM {licence} l JOIN {licence_through} t ON t.licence_id = l.id "
        f"JOIN {activity} a ON a.id = t.activity_id "
        f"WHERE l.firm_id = {firm}.id AND l.status IN (%s, %s) AND l.expires_on >= %s) "
        f"WHEN {firm}.stage = %s THEN ({aggregate}"
        f"FROM {registration} r JOIN {registration_through} t ON t.amlregistration_id = r.id "
        f"JOIN {activity} a ON a.id = t.activity_id "
        f"WHERE r.firm_id = {firm}.id AND r.status = %s) END"
    )
    params = (
        FirmStage.LICENSED,
        FirmStage.SUSPENDED,
        *SHOWN_LICENCE_STATUSES,
        on,
        FirmStage.AML_REGISTERED,
        AmlStatus.REGISTERED,
    )
    return RawSQL(sql, params, output_field=TextField())  # noqa: S611 - no user input in the SQL


def _summary_page_pg(queryset, *, offset: int, limit: int, on) -> list:
    values = queryset.annotate(
        public_activities_json=_activities_pg(on),
        public_last_updated=Greatest("updated_at", "stage_changed_at", "aml_registration__status_changed_at"),
    ).values_list(*_PG_FIELDS, "public_activities_json", "public_last_updated")[offset : offset + limit]
    rows = []
    for (
        pk,
        legal_name,
        trading_names,
        reference_number,
        lei,
        local_company_number,
        incorporation_country,
        stage,
        stage_changed_at,
        aml_status,
        licence_expires_on,
        activities,
        updated,
    ) in values:
        rows.append(
            SimpleNamespace(
                id=pk,
                pk=pk,
                legal_name=legal_name,
                trading_names=trading_names,
                reference_number=reference_number,
                lei=lei,
                local_company_number=local_company_number,
                incorporation_country=incorporation_country,
                stage=stage,
                stage_changed_at=stage_changed_at,
                aml_status=aml_status,
                licence_expires_on=licence_expires_on,
                aml_registration=SimpleNamespace(status=aml_status) if aml_status else None,
                public_activities=_activity_list(json.loads(activities)) if activities else [],
                public_last_updated=updated,  # GREATEST skips NULLs, as last_updated() does
            )
        )
    return rows


def _activity_list(pairs) -> list[dict]:
    """[{code, name}, ...] in name order (then code), one per code: the register's order."""
    by_code = dict(pairs)
    return [
        {"code": code, "name": name} for code, name in sorted(by_code.items(), key=lambda i: (i[1], i[0]))
    ]


def _activities_sql(licensed: list[int], aml: list[int], on) -> tuple[str, list]:
    """Plain SQL (the same on SQLite and PostgreSQL) for the activities of licensed firms and
    the services of AML-registered firms: the register's hottest read, so the ORM's query
    building is skipped. Table and column names come from the models."""
    activity = Activity._meta.db_table
    parts, params = [], []
    if licensed:
        licence, through = Licence._meta.db_table, Licence.permitted_activities.through._meta.db_table
        parts.append(
            f"SELECT l.firm_id, a.code, a.name FROM {licence} l "  # noqa: S608 - names from the models
            f"JOIN {through} t ON t.licence_id = l.id JOIN {activity} a ON a.id = t.activity_id "
            f"WHERE l.status IN (%s, %s) AND l.expires_on >= %s "
            f"AND l.firm_id IN ({', '.join(['%s'] * len(licensed))})"
        )
        params += [*SHOWN_LICENCE_STATUSES, on, *licensed]
    if aml:
        registration = AmlRegistration._meta.db_table
        through = AmlRegistration.registered_services.through._meta.db_table
        parts.append(
            f"SELECT r.firm_id, a.code, a.name FROM {registration} r "  # noqa: S608 - names from the models
            f"JOIN {through} t ON t.amlregistration_id = r.id JOIN {activity} a ON a.id = t.activity_id "
            f"WHERE r.status = %s AND r.firm_id IN ({', '.join(['%s'] * len(aml))})"
        )
        params += [AmlStatus.REGISTERED, *aml]
    return " UNION ALL ".join(parts), params


def attach_activities(firms, *, on=None) -> list:
    """Set `public_activities` on each firm: what it may offer on the day `on` (today), in at
    most one query.

    Licensed (or suspended) firms: the activities of their current licence, until it expires.
    AML-registered firms: the services of their confirmed AML registration. Everyone else: none."""
    on = on or local_today()
    firms = list(firms)
    licensed = [f.pk for f in firms if f.stage in (FirmStage.LICENSED, FirmStage.SUSPENDED)]
    aml = [f.pk for f in firms if f.stage == FirmStage.AML_REGISTERED]
    found = defaultdict(dict)
    if licensed or aml:
        sql, params = _activities_sql(licensed, aml, on)
        with connection.cursor() as cursor:  # one round trip for both kinds
            cursor.execute(sql, params)
            for firm_id, code, name in cursor.fetchall():
                found[firm_id][code] = name
    for firm in firms:
        firm.public_activities = _activity_list(found.get(firm.pk, {}).items())
    return firms


def _aml(firm):
    try:
        return firm.aml_registration
    except AmlRegistration.DoesNotExist:
        return None


def status_of(firm, *, on=None):
    """licensing.operating's answer for a register row or firm (its stage and the
    `licence_expires_on` public_firms() reads with it) on the day `on` (today)."""
    return operating_status(firm.stage, licence_expires_on=getattr(firm, "licence_expires_on", None), on=on)


def status_of_entry(entry: dict):
    """The same answer again from a row already built (its stage is already the day's: the
    answer does not depend on the day any more)."""
    return operating_status(entry["stage"], licence_expires_on=entry["licence_expires_on"])


def banner(firm, activities, *, status=None) -> dict | None:
    """The plain warning a register entry carries, or None for a licensed firm."""
    status = status or status_of(firm)
    if status.code in (OPERATING_NOT_PERMITTED, OPERATING_EXPIRED):
        return {
            "kind": status.code,
            "title": _("%(firm)s is not permitted to operate.") % {"firm": firm.legal_name},
            "text": status.reason
            + " "
            + _("Carrying on virtual-asset activity without a licence is an offence."),
        }
    if status.code == OPERATING_AML_SERVICES_ONLY:
        names = ", ".join(Activity.label(a["code"], a["name"]) for a in activities) or _("none confirmed yet")
        return {
            "kind": status.code,
            "title": _("%(firm)s holds no licence: it may offer only AML-registered services.")
            % {"firm": firm.legal_name},
            "text": _(
                "The firm is registered with the national AML system and may offer only these "
                "services until it is licensed: %(services)s."
            )
            % {"services": names},
        }
    return None


def last_updated(firm):
    moments = [firm.updated_at, firm.stage_changed_at]
    registration = _aml(firm)
    if registration is not None and registration.status_changed_at:
        moments.append(registration.status_changed_at)
    return max(m for m in moments if m is not None)


@lru_cache(maxsize=8)
def _stage_labels(language: str) -> dict:
    return {value: str(label) for value, label in FirmStage.choices}


def stage_labels() -> dict:
    """{stage: label} in the active language."""
    return _stage_labels(get_language())


def public_summaries(firms, *, on=None) -> list[dict]:
    """public_summary() of each firm (the language and the day are looked up once, not per row)."""
    labels = stage_labels()
    on = on or local_today()
    return [public_summary(firm, stage_labels=labels, on=on) for firm in firms]


def public_summary(firm, *, stage_labels: dict | None = None, on=None) -> dict:
    """One row of the register (needs attach_activities first, or summary_page()), as on the
    day `on` (today): a licence past its expiry shows as expired, sweep or no sweep."""
    registration = _aml(firm)
    activities = firm.public_activities
    labels = stage_labels if stage_labels is not None else _stage_labels(get_language())
    status = status_of(firm, on=on)
    return {
        "reference_number": firm.reference_number,
        "legal_name": firm.legal_name,
        "trading_names": list(firm.trading_names or []),
        "lei": firm.lei or "",
        "local_company_number": firm.local_company_number or "",
        "stage": status.stage,
        "stage_label": labels[status.stage],
        "stage_effective_at": status.stage_since(firm.stage, firm.stage_changed_at),
        "operating_status": status.code,
        "licence_expires_on": getattr(firm, "licence_expires_on", None),
        "aml_status": registration.status if registration is not None else AmlStatus.NOT_STARTED,
        "permitted_activities": activities,
        "last_updated": getattr(firm, "public_last_updated", None) or last_updated(firm),
    }


def country_name(code) -> str:
    """The country's name in the active language (portal.countries: Urdu names included); an
    unknown code is shown as it is."""
    code = str(code or "")
    return portal_country_name(code) or code


def _certificate(doc):
    from licensing.certificates.models import Certificate

    try:
        return doc.certificate
    except Certificate.DoesNotExist:
        return None


def _document(doc, *, on=None) -> dict | None:
    if doc is None:
        return None
    certificate = _certificate(doc)
    status = doc.status
    if isinstance(doc, Licence):  # as on the day: past its expiry, a licence has expired
        status = licence_status_on(status, doc.expires_on, on=on)
    return {
        "number": doc.number,
        "status": status,
        "status_label": str(dict(doc._meta.get_field("status").flatchoices)[status]),
        "issued_on": doc.issued_on,
        "expires_on": doc.expires_on,
        "certificate_code": certificate.code if certificate is not None else None,
    }


def public_entry(firm, *, on=None) -> dict:
    """The full register entry (needs with_entry_details() and attach_activities first), as on
    the day `on` (today)."""
    on = on or local_today()
    entry = public_summary(firm, on=on)
    noc = firm.public_nocs[0] if firm.public_nocs else None
    licence = firm.public_licences[0] if firm.public_licences else None
    if licence is not None and entry["stage"] in (FirmStage.LICENSED, FirmStage.SUSPENDED):
        conditions = licence.conditions
    elif noc is not None and firm.stage in (FirmStage.NOC_HOLDER, FirmStage.AML_REGISTERED):
        conditions = noc.conditions
    else:
        conditions = ""
    approved = firm.public_approved_applications[0] if firm.public_approved_applications else None
    people = approved.key_individuals.all() if approved is not None else []
    changes = firm.public_stage_changes
    entry.update(
        {
            "incorporation_country": str(firm.incorporation_country),
            "incorporation_country_name": country_name(firm.incorporation_country),
            "aml_status_label": str(AmlStatus(entry["aml_status"]).label),
            "conditions": conditions,
            "noc": _document(noc, on=on),
            "licence": _document(licence, on=on),
            "key_individuals": [
                {"name": p.full_name, "role": p.role, "role_label": str(p.get_role_display())}
                for p in sorted(people, key=lambda p: (p.role, p.full_name))
            ],
            # Names the firm was known by before an approved change, newest first.
            "former_names": [
                {"legal_name": c.changes["legal_name"][0], "until": c.decided_at}
                for c in firm.public_former_names
                if c.changes["legal_name"][0]
            ],
            "stage_history": [
                {
                    "from_stage": c.from_stage,
                    "to_stage": c.to_stage,
                    "to_stage_label": str(FirmStage(c.to_stage).label),
                    "effective_at": c.effective_at,
                }
                for c in changes
            ],
            "enforcement_actions": [
                {
                    "action": ENFORCEMENT_STAGES[c.to_stage],
                    "stage": c.to_stage,
                    "label": str(FirmStage(c.to_stage).label),
                    "effective_at": c.effective_at,
                }
                for c in changes
                if c.to_stage in ENFORCEMENT_STAGES
            ],
            "banner": banner(firm, entry["permitted_activities"], status=status_of_entry(entry)),
        }
    )
    return entry


def get_public_firm(reference_number: str, *, on=None):
    """One firm on the register with its entry details, or None."""
    firm = with_entry_details(public_firms()).filter(reference_number=reference_number).first()
    if firm is not None:
        attach_activities([firm], on=on)
    return firm


def iter_public_entries(queryset, *, chunk_size: int = 500, on=None):
    """Full entries of every firm of `queryset`, a chunk at a time (for the downloads), all as
    on one day (today when the download started)."""
    on = on or local_today()
    ids = list(queryset.values_list("pk", flat=True))
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        firms = attach_activities(with_entry_details(public_firms()).filter(pk__in=chunk), on=on)
        for firm in firms:
            yield public_entry(firm, on=on)
