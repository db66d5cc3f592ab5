from django.db import migrations


def load(apps, schema_editor):
    from geo import loader

    loader.load(apps.get_model("geo", "Country"), apps.get_model("geo", "Region"))


class Migration(migrations.Migration):
    dependencies = [("geo", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
