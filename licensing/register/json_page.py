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

from django.db import connection

from aml.models import AmlRegistration, AmlStatus
from licensing.models import Activity, Firm, FirmStage, Licence
from licensing.models.firms import NOT_PERMITTED_TO_OPERATE

from . import queries


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
        f"WHERE l.firm_id = f.id AND l.status IN (%s, %s)) x) "
        f"WHEN f.stage = %s AND r.status = %s THEN ({aggregate}FROM ("
        f"SELECT a.code, a.name FROM {services} t JOIN {activity} a ON a.id = t.activity_id "
        f"WHERE t.amlregistration_id = r.id) x) END, '[]'::json)"
    )
    params = [
        FirmStage.LICENSED,
        FirmStage.SUSPENDED,
        *queries.SHOWN_LICENCE_STATUSES,
        FirmStage.AML_REGISTERED,
        AmlStatus.REGISTERED,
    ]
    return sql, params


def _row_sql() -> tuple[str, list]:
    """The JSON object of one row (the keys and order of queries.public_summary)."""
    activities, activity_params = _activities()
    not_permitted = sorted(NOT_PERMITTED_TO_OPERATE)
    sql = (
        "json_build_object("
        "'reference_number', f.reference_number, 'legal_name', f.legal_name, "
        "'trading_names', COALESCE(f.trading_names, '[]'::jsonb), "
        "'lei', COALESCE(f.lei, ''), 'local_company_number', COALESCE(f.local_company_number, ''), "
        "'stage', f.stage, 'stage_label', %s::jsonb ->> f.stage, "
        f"'stage_effective_at', {_timestamp('f.stage_changed_at')}, "
        "'operating_status', CASE WHEN f.stage = %s THEN %s "
        f"WHEN f.stage IN ({', '.join(['%s'] * len(not_permitted))}) THEN %s ELSE %s END, "
        "'aml_status', COALESCE(r.status, %s), "
        f"'permitted_activities', {activities}, "
        f"'last_updated', {_timestamp('GREATEST(f.updated_at, f.stage_changed_at, r.status_changed_at)')}"
        ")::text"
    )
    params = [
        FirmStage.AML_REGISTERED,
        queries.OPERATING_AML_SERVICES_ONLY,
        *not_permitted,
        queries.OPERATING_NOT_PERMITTED,
        queries.OPERATING_PERMITTED,
        AmlStatus.NOT_STARTED,
        *activity_params,
    ]
    return sql, params


@lru_cache(maxsize=4)
def _page_sql(*, reverse: bool, after_position: bool) -> tuple[str, tuple]:
    """The page query's text (four shapes, built once) and its fixed parameters."""
    row, row_params = _row_sql()
    firm, registration = Firm._meta.db_table, AmlRegistration._meta.db_table
    direction = "DESC" if reverse else "ASC"
    where = "f.reference_number IS NOT NULL"
    if after_position:
        where += " AND f.legal_name < %s" if reverse else " AND f.legal_name > %s"
    sql = (
        f"SELECT f.legal_name, {row} FROM {firm} f "  # noqa: S608 - names from the models, values bound
        f"LEFT JOIN {registration} r ON r.firm_id = f.id WHERE {where} "
        f"ORDER BY f.legal_name {direction}, f.id {direction} OFFSET %s LIMIT %s"
    )
    return sql, tuple(row_params)


def summary_json_page(*, reverse: bool, position: str | None, offset: int, limit: int) -> list[JsonRow]:
    """Rows of the whole register in name order (descending when `reverse`), after (before)
    the name `position` when given, skipping `offset`: what CursorPagination asks for.
    PostgreSQL only; one query."""
    sql, row_params = _page_sql(reverse=reverse, after_position=position is not None)
    labels = json.dumps(queries.stage_labels())
    params = [labels, *row_params]
    if position is not None:
        params.append(position)
    params += [offset, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [JsonRow(name, text) for name, text in cursor.fetchall()]


def available() -> bool:
    return connection.vendor == "postgresql"
