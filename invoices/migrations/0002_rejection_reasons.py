"""The reason catalogue: the seed's reasons, with stable codes, their group, the statuses each
may justify and the code of the 2026 reform they map to. Administrators maintain it in admin;
this migration only creates what is missing."""

from django.db import migrations

R, S, C = "REJETEE", "SUSPENDUE", "A_RECYCLER"

# code, French label, English label, group, statuses, reform code
REASONS = [
    # Technical reasons (the routing worker uses the first two).
    ("SE_EJ_INCORRECT", "Code service ou numéro d'engagement incorrect — retransmission possible",
     "Wrong service code or commitment number — may be sent again", "TECHNIQUE", [C], "CODE_ROUTAGE_ERR"),
    ("CREANCIER_INCONNU", "Créancier inconnu ou différent de celui de l'EJ",
     "Creditor unknown or different from the commitment's", "TECHNIQUE", [R], "EMMET_INC"),
    ("DESTINATAIRE_ERRONE", "Destinataire erroné ou inactif — retransmission possible",
     "Wrong or inactive recipient — may be sent again", "TECHNIQUE", [C], "DEST_ERR"),
    # Purchasing and accounting reasons.
    ("MARCHE_TERMINE", "Marché terminé", "Contract ended", "ACHAT_COMPTABLE", [R], "CONTRAT_TERM"),
    ("SOUS_TRAITANT_NON_DECLARE", "Sous-traitant ou cotraitant non déclaré",
     "Undeclared subcontractor or co-contractor", "ACHAT_COMPTABLE", [R], "NON_CONFORME"),
    ("SUPPRESSION_COMPENSATION_AVOIRS", "Suppression pour compensation d'avoirs",
     "Deleted to offset credit notes", "ACHAT_COMPTABLE", [R], "AUTRE"),
    ("JUSTIFICATIF_ABSENT", "Pièce justificative absente ou insuffisante",
     "Supporting document missing or insufficient", "ACHAT_COMPTABLE", [R, S], "JUSTIF_ABS"),
    ("MONTANT_ERRONE", "Montant erroné", "Wrong amount", "ACHAT_COMPTABLE", [R, S], "MONTANTTOTAL_ERR"),
    ("TAUX_TVA_ERRONE", "Taux de TVA erroné", "Wrong VAT rate", "ACHAT_COMPTABLE", [R], "TX_TVA_ERR"),
    ("RETRAITEMENT_MANUEL", "Retraitement manuel", "Manual reprocessing", "ACHAT_COMPTABLE", [R], "AUTRE"),
    ("PAIEMENT_REGIE", "Paiement par régie", "Paid through a régie (imprest account)", "ACHAT_COMPTABLE", [R], "AUTRE"),
    ("COORDONNEES_BANCAIRES", "Erreur de coordonnées bancaires", "Bank details error",
     "ACHAT_COMPTABLE", [R, S], "COORD_BANC_ERR"),
    ("LIVRAISON_INCOMPLETE", "Livraison incomplète ou absente", "Delivery incomplete or missing",
     "ACHAT_COMPTABLE", [R, S], "LIVR_INCOMP"),
    ("NON_CONFORME_COMMANDE", "Facture non conforme à la commande",
     "Invoice does not match the order", "ACHAT_COMPTABLE", [R], "CMD_ERR"),
    ("DOUBLE_FACTURATION", "Double facturation", "Double billing", "ACHAT_COMPTABLE", [R], "DOUBLE_FACT"),
    # Suspension reasons: the supplier can answer them by completing the invoice.
    ("PIECE_MANQUANTE", "Pièce justificative manquante", "Supporting document missing",
     "ACHAT_COMPTABLE", [S], "JUSTIF_ABS"),
    ("INFORMATION_COMPLEMENTAIRE", "Information complémentaire demandée",
     "Further information requested", "ACHAT_COMPTABLE", [S], "AUTRE"),
    # Other reasons.
    ("CONTACTER_ACHETEUR", "Contactez votre acheteur", "Contact your buyer", "AUTRE", [R, S], "AUTRE"),
    ("SUPPRESSION_MASSE", "Suppression en masse", "Bulk deletion", "AUTRE", [R], "AUTRE"),
]  # fmt: skip


def forwards(apps, schema_editor):
    RejectionReason = apps.get_model("invoices", "RejectionReason")
    for position, (code, label_fr, label_en, group, statuses, reform) in enumerate(REASONS):
        RejectionReason.objects.get_or_create(
            code=code,
            defaults={
                "label_fr": label_fr,
                "label_en": label_en,
                "group": group,
                "allowed_statuses": statuses,
                "reform_code": reform,
                "position": (position + 1) * 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("invoices", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
