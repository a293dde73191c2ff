import django.utils.timezone
from django.db import migrations, models


def date_existing_accounts(apps, schema_editor):
    """Accounts that exist already needed no activation: date them from when they joined."""
    User = apps.get_model("accounts", "User")
    User.objects.update(activated_at=models.F("date_joined"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_first_terms"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="activated_at",
            field=models.DateTimeField(
                blank=True, default=django.utils.timezone.now, null=True, verbose_name="activé le"
            ),
        ),
        migrations.RunPython(date_existing_accounts, migrations.RunPython.noop),
    ]
