import uuid

from django.db import migrations, models


def fill_public_ids(apps, schema_editor):
    Term = apps.get_model("courses", "Term")
    for term in Term.objects.filter(public_id__isnull=True).only("pk"):
        Term.objects.filter(pk=term.pk).update(public_id=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("courses", "0002_offering_last_queue_number_and_more")]

    operations = [
        # A unique UUID needs a value per existing row: add it empty, fill it, then constrain it.
        migrations.AddField(
            model_name="term", name="public_id", field=models.UUIDField(null=True, editable=False)
        ),
        migrations.RunPython(fill_public_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="term",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
