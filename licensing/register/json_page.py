"""The register's list page built by PostgreSQL as JSON: the hottest public read.

`public_summary()` in queries.py defines a register row; this module is the same definition in
SQL, for the one case where it pays: the unfiltered list (`GET /api/v1/register/`), page by
page in name order. PostgreSQL renders each row as a JSON object, so Python neither loads
timestamps nor builds dictionaries nor encodes them again: the API joins the rows' text.
tests/test_register_json_page.py checks that both definitions agree, field by field, for
firms at every stage.

Searches and filters keep the ORM path (queries.search + queries.summary_page).
"""

import json
from functools import lru_cache
from typing import NamedTuple

from django.conf import settings
from django.db import connection

from aml.models import AmlRegistration, AmlStatus
from licensing.models import Activity, Firm, FirmStage, Licence
from licensing.operating import operating_status_sql
from portal.dates import local_today

from . import queries

# Where the day goes among a query's parameters: its value is given when the query runs.
DAY = object()


class JsonRow(NamedTuple):
    """One register row: its sort key (cursor pagination reads `legal_name`) and its JSON."""

    legal_name: str
    json: str


def _timestamp(column: str) -> str:
    """A timestamp as the API's JSON encoder writes it: ISO 8601 in UTC with a `Z`, and
    microseconds only when there are any (datetime.isoformat()). NULL stays NULL."""
    utc = f"({column}) AT TIME ZONE 'UTC'"
    return (
        f"""to_char({utc}, 'YYYY-MM-DD"T"HH24:MI:SS') || CASE WHEN date_part('microseconds', """
        f"""{column})::bigint %% 1000000 = 0 THEN '' ELSE to_char({utc}, '.US') END || 'Z'"""
    )


def _activities() -> tuple[str, list]:
    """What the firm may offer now, `[{code, name}, ...]` in name order (queries.attach_activities
    has the rules): a licensed or suspended firm's shown licences' activities, an
    AML-registered firm's confirmed services; nothing for anyone else."""
    activity = Activity._meta.db_table
    licence, licence_through = Licence._meta.db_table, Licence.permitted_activities.through._meta.db_table
    services = AmlRegistration.registered_services.through._meta.db_table
    aggregate = "SELECT json_agg(json_build_object('code', x.code, 'name', x.name) ORDER BY x.name, x.code) "
    sql = (
        f"COALESCE(CASE WHEN f.stage IN (%s, %s) THEN ({aggregate}FROM ("  # noqa: S608 - names from the models
        f"SELECT DISTINCT a.code, a.name FROM {licence} l "
        f"JOIN {licence_through} t ON t.licence_id = l.id JOIN {activity} a ON a.id = t.activity_id "
        f"WHERE l.firm_id = f.id AND l.status IN (%s, %s) AND l.expires_on >= %s) x) "
        f"WHEN f.stage = %s AND r.status = %s THEN ({aggregate}FROM ("
        f"SELECT a.code, a.name FROM {services} t JOIN {activity} a ON a.id = t.activity_id "
        f"WHERE t.amlregistration_id = r.id) x) END, '[]'::json)"
    )
    params = [
        FirmStage.LICENSED,
        FirmStage.SUSPENDED,
        *queries.SHOWN_LICENCE_STATUSES,
        DAY,
        FirmStage.AML_REGISTERED,
        AmlStatus.REGISTERED,
    ]
    return sql, params


def _row_sql() -> tuple[str, list]:
    """The JSON object of one row (the keys and order of queries.public_summary), over the
    columns _joins_sql() adds. Its first parameter, the stage labels, is given at run time."""
    activities, activity_params = _activities()
    sql = (
        "json_build_object("
        "'reference_number', f.reference_number, 'legal_name', f.legal_name, "
        "'trading_names', COALESCE(f.trading_names, '[]'::jsonb), "
        "'lei', COALESCE(f.lei, ''), 'local_company_number', COALESCE(f.local_company_number, ''), "
        "'stage', s.stage, 'stage_label', %s::jsonb ->> s.stage, "
        f"'stage_effective_at', {_timestamp('s.since')}, "
        "'operating_status', s.operating_status, "
        "'licence_expires_on', x.expires_on, "
        "'aml_status', COALESCE(r.status, %s), "
        f"'permitted_activities', {activities}, "
        f"'last_updated', {_timestamp('GREATEST(f.updated_at, f.stage_changed_at, r.status_changed_at)')}"
        ")::text"
    )
    return sql, [AmlStatus.NOT_STARTED, *activity_params]


def _joins_sql() -> tuple[str, list]:
    """Per firm: its latest licence's expiry (`x.expires_on`), and the day's stage, operating
    status and stage-since moment (`s`): licensing.operating's rule in SQL
    (operating_status_sql). A licence that expired before the sweep recorded it has been
    expired since the end of its last day, in the regulator's time zone."""
    licence = Licence._meta.db_table
    code, code_params, stage, stage_params = operating_status_sql("f.stage", "x.expires_on", DAY)
    sql = (
        f"LEFT JOIN LATERAL (SELECT l.expires_on FROM {licence} l WHERE l.firm_id = f.id "  # noqa: S608
        "ORDER BY l.issued_on DESC, l.id DESC LIMIT 1) x ON TRUE "
        f"CROSS JOIN LATERAL (SELECT {stage} AS stage, {code} AS operating_status) s0 "
        "CROSS JOIN LATERAL (SELECT s0.stage, s0.operating_status, CASE WHEN s0.stage <> f.stage "
        "THEN ((x.expires_on + 1)::timestamp AT TIME ZONE %s) ELSE f.stage_changed_at END AS since) s"
    )
    return sql, [*stage_params, *code_params, settings.TIME_ZONE]


@lru_cache(maxsize=4)
def _page_sql(*, reverse: bool, after_position: bool) -> tuple[str, tuple]:
    """The page query's text (four shapes, built once) and its fixed parameters (DAY where the
    day goes)."""
    row, row_params = _row_sql()
    joins, join_params = _joins_sql()
    firm, registration = Firm._meta.db_table, AmlRegistration._meta.db_table
    direction = "DESC" if reverse else "ASC"
    where = "f.reference_number IS NOT NULL"
    if after_position:
        where += " AND f.legal_name < %s" if reverse else " AND f.legal_name > %s"
    sql = (
        f"SELECT f.legal_name, {row} FROM {firm} f "  # noqa: S608 - names from the models, values bound
        f"LEFT JOIN {registration} r ON r.firm_id = f.id {joins} WHERE {where} "
        f"ORDER BY f.legal_name {direction}, f.id {direction} OFFSET %s LIMIT %s"
    )
    return sql, (*row_params, *join_params)


def summary_json_page(
    *, reverse: bool, position: str | None, offset: int, limit: int, on=None
) -> list[JsonRow]:
    """Rows of the whole register in name order (descending when `reverse`), after (before)
    the name `position` when given, skipping `offset`: what CursorPagination asks for; as on
    the day `on` (today). PostgreSQL only; one query."""
    sql, fixed = _page_sql(reverse=reverse, after_position=position is not None)
    day = on or local_today()
    labels = json.dumps(queries.stage_labels())
    params = [labels, *(day if p is DAY else p for p in fixed)]
    if position is not None:
        params.append(position)
    params += [offset, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [JsonRow(name, text) for name, text in cursor.fetchall()]


def available() -> bool:
    return connection.vendor == "postgresql"
