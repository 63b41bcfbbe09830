from django.db import migrations

ACTIVITIES = [
    ("exchange", "Virtual-asset exchange", True),
    ("custody", "Custody and safekeeping of virtual assets", True),
    ("broker-dealer", "Cross-border broker-dealer services", True),
    ("derivatives", "Virtual-asset derivatives", True),
    ("transfer", "Transfer and payment services", False),
    ("advisory", "Advisory and portfolio management", False),
    ("tokenisation", "Issuance and tokenisation services", False),
]


def add(apps, schema_editor):
    Activity = apps.get_model("licensing", "Activity")
    for code, name, aml in ACTIVITIES:
        Activity.objects.get_or_create(code=code, defaults={"name": name, "aml_registrable": aml})


class Migration(migrations.Migration):
    dependencies = [("licensing", "0001_initial")]

    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
