"""The name search ranks by trigram distance with a LIMIT (structures/selectors.py,
``structure_search``): the trigram index on ``chorus_search_text(name)`` becomes a GiST index,
which answers both ``LIKE '%word%'`` and ``ORDER BY … <-> …`` (nearest first), where the GIN
index answered only the first, so that every match had to be sorted. Same name as before, so
that the plans and the tests that name it still read right. ``siglen=64``: a 64-byte trigram
signature (12 by default), fewer false matches for names of a few words. Nothing on SQLite."""

from django.db import migrations

GIST = (
    "CREATE INDEX structure_name_search ON structures_structure "
    "USING gist (chorus_search_text(name) gist_trgm_ops(siglen=64))"
)
GIN = (
    "CREATE INDEX structure_name_search ON structures_structure "
    "USING gin (chorus_search_text(name) gin_trgm_ops)"
)


def _replace_index(definition: str):  # type: ignore[no-untyped-def]
    def replace(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute("DROP INDEX IF EXISTS structure_name_search")
            schema_editor.execute(definition)

    return replace


class Migration(migrations.Migration):
    dependencies = [("structures", "0005_merge_name_search_and_mandate_revocation")]

    operations = [migrations.RunPython(_replace_index(GIST), _replace_index(GIN))]
