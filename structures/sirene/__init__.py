"""INSEE's SIRENE establishment stock file: read it (``reader``), load it (``loader``), both
driven by ``importer`` for the ``import_sirene`` command and the demo."""
