"""The dashboards' summary rows and, on PostgreSQL, the triggers that keep them
(dashboards/summaries.py); then a first count of the invoices already there."""

from django.db import migrations, models
import django.db.models.functions.comparison
import datetime


def install_and_count(apps, schema_editor):  # type: ignore[no-untyped-def]
    from dashboards import summaries

    if schema_editor.connection.vendor != "postgresql":
        return  # elsewhere the dashboards count the invoices themselves
    summaries.install(schema_editor.connection)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO dashboards_summarytotal ({summaries.FIGURE_COLUMNS}) "
            f"SELECT * FROM ({summaries.recount_sql()}) AS r ({summaries.FIGURE_COLUMNS})"
        )


def uninstall(apps, schema_editor):  # type: ignore[no-untyped-def]
    from dashboards import summaries

    summaries.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    initial = True

    dependencies = [("invoices", "0006_received_count_indexes")]

    operations = [
        migrations.CreateModel(
            name='SummaryDelta',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('figure', models.CharField(choices=[('sent', 'Sent'), ('received', 'Received'), ('paid', 'Paid')], max_length=8)),
                ('supplier_id', models.BigIntegerField(default=0)),
                ('recipient_id', models.BigIntegerField(default=0)),
                ('service_id', models.BigIntegerField(default=0)),
                ('status', models.CharField(blank=True, max_length=24)),
                ('in_euros', models.BooleanField(default=False)),
                ('day', models.DateField(null=True)),
                ('count', models.BigIntegerField(default=0)),
                ('amount', models.DecimalField(decimal_places=2, default=0, max_digits=20)),
                ('delay_count', models.BigIntegerField(default=0)),
                ('delay_seconds', models.DecimalField(decimal_places=6, default=0, max_digits=24)),
            ],
            options={
                'indexes': [models.Index(fields=['figure', 'supplier_id'], name='summary_delta_supplier'), models.Index(fields=['figure', 'service_id', 'recipient_id'], name='summary_delta_received')],
            },
        ),
        migrations.CreateModel(
            name='SummaryTotal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('figure', models.CharField(choices=[('sent', 'Sent'), ('received', 'Received'), ('paid', 'Paid')], max_length=8)),
                ('supplier_id', models.BigIntegerField(default=0)),
                ('recipient_id', models.BigIntegerField(default=0)),
                ('service_id', models.BigIntegerField(default=0)),
                ('status', models.CharField(blank=True, max_length=24)),
                ('in_euros', models.BooleanField(default=False)),
                ('day', models.DateField(null=True)),
                ('count', models.BigIntegerField(default=0)),
                ('amount', models.DecimalField(decimal_places=2, default=0, max_digits=20)),
                ('delay_count', models.BigIntegerField(default=0)),
                ('delay_seconds', models.DecimalField(decimal_places=6, default=0, max_digits=24)),
            ],
            options={
                'indexes': [models.Index(fields=['figure', 'service_id', 'recipient_id'], name='summary_received')],
                'constraints': [models.UniqueConstraint(models.F('figure'), models.F('supplier_id'), models.F('recipient_id'), models.F('service_id'), models.F('status'), models.F('in_euros'), django.db.models.functions.comparison.Coalesce('day', models.Value(datetime.date(1, 1, 1))), name='dashboards_summary_key')],
            },
        ),
        migrations.RunPython(install_and_count, uninstall),
    ]
