"""Screening reads names in other scripts (transliterated) and reports names it cannot read.

- `ScreeningAlert.entry` may be empty: "the name could not be screened".
- The blocking keys of entries with a name or alias written in another script are computed
  again: before, the letters of other scripts were dropped, so such names had no keys."""

import django.db.models.deletion
from django.db import migrations, models


def recompute_keys(apps, schema_editor):
    from aml import matching  # the matcher of this release: the keys must be its keys

    ListEntry = apps.get_model("aml", "ListEntry")
    changed = []
    for entry in ListEntry.objects.only("pk", "kind", "name", "aliases", "match_keys").iterator(chunk_size=2000):
        names = [entry.name, *entry.aliases]
        if all(name.isascii() for name in names):
            continue  # Latin-only names: their keys are unchanged
        keys = matching.entry_keys(names, matching.PERSON if entry.kind == "person" else matching.ENTITY)
        if keys != entry.match_keys:
            entry.match_keys = keys
            changed.append(entry)
    ListEntry.objects.bulk_update(changed, ["match_keys"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("aml", "0004_match_keys_gin_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="screeningalert",
            name="entry",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="alerts",
                to="aml.listentry",
            ),
        ),
        migrations.RunPython(recompute_keys, migrations.RunPython.noop),
    ]
