"""Keys that stay tight at ten million learners, and the normal forms stored with each.

Instant on a big register: the new columns are nullable (no row is rewritten), and the
key columns grow without a table rebuild (PostgreSQL widens a varchar in its catalogue
alone; SQLite does not enforce a varchar's length, so only Django's record of it
changes, where a Django AlterField would copy the whole table). The rows themselves are
re-keyed by ``lrs learners rekey``, resumably, while finds go on: until it finishes,
finds also look up the keys the rows held before (lrs.learners.selectors).
"""

from typing import Any

from django.db import migrations, models

# lrs.matching.FORM_VERSION when this migration was written: a register with no learners
# yet has nothing to re-key.
_VERSION = "k2"
_WIDER = {"bk_dob_given": 19, "bk_family_given_md": 25, "bk_family_given_year": 27}


def _widen(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    for column, length in _WIDER.items():
        schema_editor.execute(
            f"ALTER TABLE {quote('learners_learner')} "
            f"ALTER COLUMN {quote(column)} TYPE varchar({length})"
        )


def _settled_if_empty(apps: Any, schema_editor: Any) -> None:
    Learner = apps.get_model("learners", "Learner")
    LearnerRekey = apps.get_model("learners", "LearnerRekey")
    if not Learner.objects.exists():
        from django.utils import timezone

        now = timezone.now()
        LearnerRekey.objects.get_or_create(
            version=_VERSION, defaults={"started_at": now, "finished_at": now}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("learners", "0002_learner_access"),
    ]

    operations = [
        migrations.CreateModel(
            name="LearnerRekey",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.CharField(max_length=16, unique=True)),
                ("next_id", models.BigIntegerField(default=0)),
                ("rows_rewritten", models.BigIntegerField(default=0)),
                ("started_at", models.DateTimeField()),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.AddField(
            model_name="learner",
            name="bk_family_given_yd",
            field=models.CharField(db_index=True, max_length=27, null=True),
        ),
        migrations.AddField(
            model_name="learner",
            name="match_form",
            field=models.TextField(blank=True, null=True),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="learner",
                    name=column,
                    field=models.CharField(db_index=True, max_length=length, null=True),
                )
                for column, length in _WIDER.items()
            ],
            database_operations=[migrations.RunPython(_widen, migrations.RunPython.noop)],
        ),
        migrations.RunPython(_settled_if_empty, migrations.RunPython.noop),
    ]
