"""Seed the reference list of competencies (ent.pupil_records.reference)."""

from django.db import migrations

from ent.pupil_records.reference import COMPETENCIES


def seed(apps, schema_editor):
    Competency = apps.get_model("pupil_records", "Competency")
    for code, domain, label in COMPETENCIES:
        Competency.objects.update_or_create(code=code, defaults={"domain": domain, "label": label})


def unseed(apps, schema_editor):
    Competency = apps.get_model("pupil_records", "Competency")
    Competency.objects.filter(code__in=[row[0] for row in COMPETENCIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("pupil_records", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
