"""An index for the public register's one ordering (licensing.register.queries.public_firms):
firms with a reference number, by name. It lives here, with the register's API, so that the
licensing app's migrations (edited by others) stay untouched; it names its table explicitly."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        ("licensing", "0004_agreements"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX register_firm_name ON licensing_firm (legal_name, id) "
            "WHERE reference_number IS NOT NULL",
            reverse_sql="DROP INDEX register_firm_name",
        )
    ]
