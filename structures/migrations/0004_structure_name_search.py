"""The structure search by any word of the name (structures/search.py): pg_trgm and unaccent,
an IMMUTABLE ``chorus_search_text`` (unaccent() itself is only STABLE, so cannot be indexed),
and a trigram GIN index on it. Nothing on SQLite, where the function is registered per
connection."""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION chorus_search_text(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, value)) $$
"""
INDEX = (
    "CREATE INDEX IF NOT EXISTS structure_name_search ON structures_structure "
    "USING gin (chorus_search_text(name) gin_trgm_ops)"
)


def create_search(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)
        schema_editor.execute(INDEX)


def drop_search(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS structure_name_search")
        schema_editor.execute("DROP FUNCTION IF EXISTS chorus_search_text(text)")


class Migration(migrations.Migration):
    dependencies = [("structures", "0003_search_indexes")]

    operations = [
        TrigramExtension(),
        UnaccentExtension(),
        migrations.RunPython(create_search, drop_search),
    ]
