import datetime as dt

from django.db import migrations, models
from django.db.models import F


def fill_ends_at(apps, schema_editor):
    apps.get_model("baselines", "Anomaly")._base_manager.update(ends_at=F("hour_start") + dt.timedelta(hours=1))


class Migration(migrations.Migration):
    dependencies = [("baselines", "0004_dirty_hours")]

    operations = [
        migrations.AddField(model_name="anomaly", name="ends_at", field=models.DateTimeField(null=True)),
        migrations.AddField(model_name="anomaly", name="hours", field=models.PositiveIntegerField(default=1)),
        migrations.RunPython(fill_ends_at, migrations.RunPython.noop),
        migrations.AlterField(model_name="anomaly", name="ends_at", field=models.DateTimeField()),
    ]
