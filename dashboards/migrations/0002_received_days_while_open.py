"""The received figure keeps the day of deposit only while the invoice's status is not final
(dashboards/summaries.py): the triggers reinstalled, the totals recounted."""

from django.db import migrations


def reinstall_and_recount(apps, schema_editor):  # type: ignore[no-untyped-def]
    from dashboards import summaries

    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    summaries.install(connection)
    summaries.recount(connection)

class Migration(migrations.Migration):
    dependencies = [("dashboards", "0001_summaries")]

    operations = [migrations.RunPython(reinstall_and_recount, migrations.RunPython.noop)]
