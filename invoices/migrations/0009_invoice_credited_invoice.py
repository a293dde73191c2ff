"""A credit note points at the invoice it credits; the credit notes already deposited are
linked by the number they gave (the latest invoice of that number, supplier and recipient)."""

import django.db.models.deletion
from django.db import migrations, models


def link_credit_notes(apps, schema_editor):
    Invoice = apps.get_model("invoices", "Invoice")
    notes = Invoice.objects.filter(invoice_type="AVOIR", credited_invoice__isnull=True).exclude(
        status="BROUILLON"
    )
    for note in notes.exclude(original_invoice_number="").iterator():
        credited = (
            Invoice.objects.filter(
                supplier_id=note.supplier_id,
                recipient_id=note.recipient_id,
                number=note.original_invoice_number,
                invoice_type="FACTURE",
            )
            .exclude(status="BROUILLON")
            .order_by("-issue_date", "-id")
            .values_list("pk", flat=True)
            .first()
        )
        if credited is not None:
            Invoice.objects.filter(pk=note.pk).update(credited_invoice_id=credited)


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0008_merge_seals_and_renderings_sweep"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="credited_invoice",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="credit_notes",
                to="invoices.invoice",
                verbose_name="facture d'origine",
            ),
        ),
        migrations.RunPython(link_credit_notes, migrations.RunPython.noop),
    ]
