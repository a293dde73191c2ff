"""The received figure keeps no day for an accounted invoice of a frame without a payment step
(A2): it waits for nobody, as in a final status (dashboards/summaries.py, ``FINISHED``); the
triggers read the billing frame. Reinstalled, the totals recounted."""

from django.db import migrations


def reinstall_and_recount(apps, schema_editor):  # type: ignore[no-untyped-def]
    from dashboards import summaries

    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    summaries.install(connection)
    summaries.recount(connection)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0003_status_for_validation_statuses"),
        ("invoices", "0013_bulk_status_fits_validation_statuses"),
    ]

    operations = [migrations.RunPython(reinstall_and_recount, migrations.RunPython.noop)]
