"""The directory search's GIN index cut in ten shards by the SIREN's last digit (a check
digit: evenly spread). A search reads the shards in turn under a LIMIT and stops once it has its
candidates, so a word in millions of names costs a tenth of its posting list: at 25 and 40
million legal units, one index made two common words cost 0.2–0.5 s (BENCHMARKS.md, section 11).
The ten partial indexes together weigh what the one did. The SQL is written out here, as a
migration must keep it; ``structures.search.directory_index_sql`` gives the same definitions.
"""

from django.db import migrations

SHARDS = "0123456789"


def _index(shard: str) -> str:
    return (
        f"CREATE INDEX IF NOT EXISTS sirene_legal_unit_words_{shard} ON structures_sirenelegalunit "
        f"USING gin (chorus_directory_words(name, acronym)) "
        f"WHERE is_active AND right(siren, 1) = '{shard}'"
    )


ONE_INDEX = (
    "CREATE INDEX IF NOT EXISTS sirene_legal_unit_words ON structures_sirenelegalunit "
    "USING gin (chorus_directory_words(name, acronym)) WHERE is_active"
)


def to_shards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS sirene_legal_unit_words")
        for shard in SHARDS:
            schema_editor.execute(_index(shard))


def to_one_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        for shard in SHARDS:
            schema_editor.execute(f"DROP INDEX IF EXISTS sirene_legal_unit_words_{shard}")
        schema_editor.execute(ONE_INDEX)


class Migration(migrations.Migration):
    dependencies = [("structures", "0010_admin_event_actions")]

    operations = [migrations.RunPython(to_shards, to_one_index)]
