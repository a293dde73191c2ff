"""The State as a recipient (SIRET 110 002 011 000 44), a few of its services, and the first
version of the billing mandate. Other public structures are managed in admin or loaded from CSV."""

from django.db import migrations
from django.utils import timezone

STATE_SIRET = "11000201100044"
STATE_SERVICES = [
    ("FACTURES_PUBLIQUES", "Service facturier de l'État", False),
    ("SFACT_MIN_ECO", "Service facturier — ministère de l'Économie et des Finances", True),
    ("SFACT_MIN_INT", "Service facturier — ministère de l'Intérieur", True),
    ("SFACT_MIN_EDU", "Service facturier — ministère de l'Éducation nationale", False),
]

MANDATE_BODY = """Mandat de facturation

Le gestionnaire principal, agissant pour la structure qu'il représente, autorise les utilisateurs rattachés à cette structure à déposer sur le portail Chorus, au nom et pour le compte de celle-ci, les factures émises à destination des entités publiques.

La structure reste seule responsable du contenu des factures déposées, de leur exactitude et de leur conformité aux règles fiscales. Elle s'engage à ne déposer qu'une seule fois une même facture et à ne pas l'adresser simultanément par un autre canal.

Le dépôt d'une facture sur le portail vaut émission. L'accusé de dépôt, horodaté et portant l'empreinte du contenu déposé, fait foi de la date de réception, qui fait courir le délai global de paiement.

Ce mandat peut être révoqué à tout moment par le gestionnaire principal ; la révocation ne vaut que pour les dépôts postérieurs."""


def forwards(apps, schema_editor):
    Structure = apps.get_model("structures", "Structure")
    Service = apps.get_model("structures", "Service")
    MandateVersion = apps.get_model("structures", "MandateVersion")
    state, _ = Structure.objects.get_or_create(
        identifier_type="SIRET",
        identifier=STATE_SIRET,
        defaults={
            "name": "État",
            "address": "139 rue de Bercy",
            "postal_code": "75012",
            "city": "Paris",
            "is_public": True,
            "service_code_required": True,
            "engagement_required": False,
        },
    )
    for code, name, engagement_required in STATE_SERVICES:
        Service.objects.get_or_create(
            structure=state,
            code=code,
            defaults={"name": name, "engagement_required": engagement_required},
        )
    MandateVersion.objects.get_or_create(
        version="2026-1",
        defaults={
            "title": "Mandat de facturation",
            "body": MANDATE_BODY,
            "published_at": timezone.now(),
        },
    )


class Migration(migrations.Migration):
    dependencies = [("structures", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
