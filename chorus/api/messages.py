"""Messages the API's endpoints give, in one place (the project's catalogue translates them)."""

from django.utils.translation import gettext_lazy as _

NOT_YOUR_STRUCTURE = _("Vous n’êtes pas rattaché à une structure de ce SIRET.")
UNKNOWN_REASON = _("Motif inconnu.")
UNKNOWN_STATUS = _("Statut inconnu : %(codes)s.")
NO_DOCUMENT = _("Ce document n’existe pas (encore) pour cette facture.")
SIRET_PREFIX = _("Indiquez au moins 3 chiffres du SIRET.")
INVOICE_FILE_TYPE = _(
    "Les fichiers « .%(ext)s » ne sont pas acceptés : la facture doit être un PDF (Factur-X ou "
    "non) ou un XML (CII, UBL)."
)
PDF_TOTAL_REQUIRED = _("Obligatoire pour une facture PDF sans données structurées.")
FILE_TYPE_REFUSED = _("Les fichiers « .%(ext)s » ne sont pas acceptés.")
FILE_TOO_LARGE = _("Le fichier doit faire moins de 10 Mo.")
