"""Factories for the test suite's data; personas are built from them in each app's tests."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

DEFAULT_PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    contact_email = factory.LazyAttribute(lambda o: o.email)
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    is_active = True
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def accept_terms(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        """Users accept the current CGU unless built with ``accept_terms=False``."""
        if not create:
            return
        # Saves the password set just before (skip_postgeneration_save), in both cases.
        self.save()
        if extracted is False:
            return
        from accounts import selectors, services

        terms = selectors.current_terms()
        if terms is not None:
            services.terms_accept(user=self, terms=terms, ip_address=None)


# --- Structures ------------------------------------------------------------------------------
def valid_siret(n: int) -> str:
    """The n-th made-up SIRET: its SIREN and the whole number both pass the Luhn check."""
    from stdnum import luhn

    siren = f"{10000000 + n:08d}"
    siren += luhn.calc_check_digit(siren)
    base = f"{siren}0001"
    return base + luhn.calc_check_digit(base)


class StructureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "structures.Structure"
        django_get_or_create = ("identifier_type", "identifier")

    identifier_type = "SIRET"
    identifier = factory.Sequence(valid_siret)
    name = factory.Faker("company", locale="fr_FR")
    address = "1 rue de la Paix"
    postal_code = "75002"
    city = "Paris"
    is_public = False


class PublicStructureFactory(StructureFactory):
    is_public = True
    name = factory.Sequence(lambda n: f"Commune de Test {n}")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "structures.Service"
        django_get_or_create = ("structure", "code")

    structure = factory.SubFactory(PublicStructureFactory)
    code = factory.Sequence(lambda n: f"SERVICE_{n}")
    name = factory.Sequence(lambda n: f"Service {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "structures.Membership"

    user = factory.SubFactory(UserFactory)
    structure = factory.SubFactory(StructureFactory)
    role = "MEMBER"
    status = "APPROVED"


def sign_mandate(structure, user) -> None:  # type: ignore[no-untyped-def]
    from structures.models import MandateSignature
    from structures.selectors import current_mandate

    MandateSignature.objects.get_or_create(
        structure=structure,
        mandate=current_mandate(),
        revoked_at=None,
        defaults={"signed_by": user},
    )
