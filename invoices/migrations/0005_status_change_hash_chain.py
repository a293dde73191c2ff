"""The history becomes a hash chain (invoices/integrity.py): rows already there are chained in
the order they were written, before the constraint that forbids a fork is added. And the
routing sweep remembers when it last enqueued an invoice again."""

from django.conf import settings
from django.db import migrations, models


def chain_existing(apps, schema_editor):
    from invoices.integrity import change_digest

    StatusChange = apps.get_model("invoices", "StatusChange")
    previous_by_invoice: dict[int, str] = {}
    for row in StatusChange.objects.order_by("invoice_id", "id").iterator():
        previous = previous_by_invoice.get(row.invoice_id, "")
        row.previous_hash = previous
        row.row_hash = change_digest(row, previous)
        row.save(update_fields=["previous_hash", "row_hash"])
        previous_by_invoice[row.invoice_id] = row.row_hash


class Migration(migrations.Migration):

    dependencies = [
        ("invoices", "0004_list_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="statuschange",
            name="previous_hash",
            field=models.CharField(blank=True, max_length=64, verbose_name="empreinte précédente"),
        ),
        migrations.AddField(
            model_name="statuschange",
            name="row_hash",
            field=models.CharField(blank=True, max_length=64, verbose_name="empreinte"),
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.AddField(
            model_name="invoice",
            name="routing_swept_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddConstraint(
            model_name="statuschange",
            constraint=models.UniqueConstraint(
                fields=("invoice", "previous_hash"), name="status_change_chain_link"
            ),
        ),
    ]
