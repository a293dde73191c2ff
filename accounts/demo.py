"""Demo accounts: a supplier, a public agent, the State's principal manager and an
administrator."""

from __future__ import annotations

from accounts import selectors, services
from accounts.models import User

DEMO_USERS = [
    ("fournisseur@demo.chorus.test", "Camille", "Fournier", False),
    ("agent@demo.chorus.test", "Dominique", "Agent", False),
    ("gestionnaire-etat@demo.chorus.test", "Sacha", "Gestionnaire", False),
    ("admin@demo.chorus.test", "Alex", "Admin", True),
]


def demo_user(email: str) -> User:
    return User.objects.get(email=email)


def seed(*, password: str) -> list[str]:
    lines = []
    terms = selectors.current_terms()
    for email, first_name, last_name, is_superuser in DEMO_USERS:
        user, _created = User.objects.update_or_create(
            email=email,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "contact_email": email,
                "is_active": True,
                "is_staff": is_superuser,
                "is_superuser": is_superuser,
            },
        )
        user.set_password(password)
        user.save(update_fields=["password"])
        if terms is not None:
            services.terms_accept(user=user, terms=terms, ip_address=None)
        lines.append(f"{email:<32} {'administrateur' if is_superuser else ''}".rstrip())
    return lines
