"""The PostgreSQL triggers that make the audit tables append-only.

Kept in one place so the migrations install them and tests that simulate an attacker with
database-owner rights can switch them off and on by name. Row-level triggers refuse UPDATE and
DELETE; statement-level ones refuse TRUNCATE (which row triggers never see), on the audit trail
and on its checkpoints. `manage.py flush` is refused too, on purpose: emptying the trail is the
attack. (The test suite's own flushes run with triggers off: tests/conftest.py.)
"""

TABLE = "audit_auditevent"
TRIGGER = "audit_auditevent_append_only"
CHECKPOINT_TABLE = "audit_auditcheckpoint"

INSTALL_SQL = f"""
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit trail is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE};
CREATE TRIGGER {TRIGGER}
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
"""

REMOVE_SQL = f"""
DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE};
DROP FUNCTION IF EXISTS audit_refuse_change();
"""

# Migration 0004: no TRUNCATE of the trail; the checkpoints append-only like the trail.
NO_TRUNCATE = {TABLE: f"{TABLE}_no_truncate", CHECKPOINT_TABLE: f"{CHECKPOINT_TABLE}_no_truncate"}
CHECKPOINT_TRIGGER = f"{CHECKPOINT_TABLE}_append_only"

INSTALL_CHECKPOINT_SQL = f"""
DROP TRIGGER IF EXISTS {CHECKPOINT_TRIGGER} ON {CHECKPOINT_TABLE};
CREATE TRIGGER {CHECKPOINT_TRIGGER}
    BEFORE UPDATE OR DELETE ON {CHECKPOINT_TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
""" + "".join(
    f"""
DROP TRIGGER IF EXISTS {trigger} ON {table};
CREATE TRIGGER {trigger}
    BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
"""
    for table, trigger in NO_TRUNCATE.items()
)

REMOVE_CHECKPOINT_SQL = f"DROP TRIGGER IF EXISTS {CHECKPOINT_TRIGGER} ON {CHECKPOINT_TABLE};\n" + "".join(
    f"DROP TRIGGER IF EXISTS {trigger} ON {table};\n" for table, trigger in NO_TRUNCATE.items()
)


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL_SQL, params=None)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REMOVE_SQL, params=None)


def install_checkpoint_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL_CHECKPOINT_SQL, params=None)


def remove_checkpoint_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REMOVE_CHECKPOINT_SQL, params=None)
