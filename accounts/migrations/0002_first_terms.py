from django.db import migrations
from django.utils import timezone

BODY = """Article 1 — Objet
Les présentes conditions générales d'utilisation (CGU) encadrent l'accès au portail Chorus et son usage par les fournisseurs des entités publiques et par les agents publics.

Article 2 — Compte utilisateur
L'utilisateur crée un compte nominatif, active son compte par le lien reçu par courriel et garde ses identifiants confidentiels. Il peut activer la double authentification depuis « Mon compte ».

Article 3 — Structures et rattachement
L'utilisateur se rattache à la structure de son entreprise, identifiée par son SIRET, et jamais à celle de son client public. Le gestionnaire principal d'une structure valide les demandes de rattachement.

Article 4 — Dépôt des factures
Avant tout dépôt, le gestionnaire principal signe en ligne le mandat de facturation. Une facture déposée ne peut être ni modifiée ni supprimée ; une correction passe par un nouvel envoi dans les cas prévus.

Article 5 — Données personnelles
Les données sont traitées pour la seule gestion des factures et des comptes. L'utilisateur dispose d'un droit d'accès et de rectification auprès du support.

Article 6 — Évolution des CGU
Toute nouvelle version est présentée à la connexion et doit être acceptée pour continuer à utiliser le portail."""


def create_first_version(apps, schema_editor):
    TermsVersion = apps.get_model("accounts", "TermsVersion")
    TermsVersion.objects.get_or_create(
        version="2026-1",
        defaults={
            "title": "Conditions générales d'utilisation du portail Chorus",
            "body": BODY,
            "published_at": timezone.now(),
        },
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create_first_version, migrations.RunPython.noop)]
