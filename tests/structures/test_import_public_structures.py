import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from structures.models import Service, Structure

pytestmark = pytest.mark.django_db

SAMPLE = (
    Path(__file__).resolve().parents[2] / "structures" / "data" / "public_structures_sample.csv"
)


def run(path) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    out, err = io.StringIO(), io.StringIO()
    call_command("import_public_structures", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_sample_loads_public_structures_with_their_services_and_settings():
    out, err = run(SAMPLE)
    assert "structures : 3 ; services : 4 ; rejetées : 0" in out and err == ""
    hospital = Structure.objects.get(identifier="26690010900015")
    assert hospital.is_public and hospital.service_code_required and hospital.engagement_required
    works = Service.objects.get(structure=hospital, code="TRAVAUX")
    assert not works.is_active and works.engagement_required
    assert str(works.valid_until) == "2023-12-31"
    assert str(Service.objects.get(structure=hospital, code="ACHATS").valid_from) == "2024-01-01"
    university = Structure.objects.get(identifier="19330000100016")
    assert not university.payment_status_reported and not university.services.exists()


def test_a_rerun_updates_without_duplicating():
    run(SAMPLE)
    run(SAMPLE)
    assert Structure.objects.filter(is_public=True).count() == 4  # with the State
    assert Service.objects.filter(structure__identifier="21590000200019").count() == 2


def test_bad_rows_are_reported_with_their_line_and_skipped(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(
        "siret,name,service_code,service_name,service_active,service_valid_from\n"
        "21590000200019,Commune,MAIRIE,Mairie,oui,\n"
        "21590000200018,Commune,MAIRIE,Mairie,oui,\n"
        "21590000200019,,MAIRIE,Mairie,oui,\n"
        "21590000200019,Commune,ECOLES,,oui,\n"
        "21590000200019,Commune,ECOLES,Écoles,peut-être,\n"
        "21590000200019,Commune,ECOLES,Écoles,oui,demain\n",
        encoding="utf-8",
    )
    out, err = run(path)
    assert "rejetées : 5" in out
    for line, words in [
        (3, "clé de contrôle"),
        (4, "name : valeur manquante"),
        (5, "service_name : valeur manquante"),
        (6, "ni oui ni non"),
        (7, "illisible"),
    ]:
        assert f"ligne {line} : " in err and words in err
    assert Service.objects.filter(structure__identifier="21590000200019").count() == 1


def test_a_service_whose_validity_ends_before_it_begins_is_refused(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(
        "siret,name,service_code,service_name,service_valid_from,service_valid_until\n"
        "21590000200019,Commune,MAIRIE,Mairie,2025-01-01,2024-12-31\n"
        "21590000200019,Commune,ECOLES,Écoles,2025-01-01,2025-01-01\n",
        encoding="utf-8",
    )
    out, err = run(path)
    assert "rejetées : 1" in out
    assert "ligne 2 : " in err and "La fin de validité du service suit son début." in err
    codes = Service.objects.filter(structure__identifier="21590000200019").values_list("code")
    assert list(codes) == [("ECOLES",)]


def test_a_file_without_siret_or_name_stops_the_command(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("code;libelle\nA;B\n", encoding="utf-8")
    with pytest.raises(CommandError, match="name, siret"):
        run(path)
