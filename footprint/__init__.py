"""The footprint engine: the emission factor library, inventory lines and the recomputation.

It is the layer below the certification app, which calls it: of the other apps it imports only
accounts, and it knows a dossier version only by its string foreign key and by what it reads
of one (`dossiers.py`).

The pure core, free of Django so that it runs anywhere and fast:

- ``messages``: message templates translated where they are shown, not here.
- ``units``: the unit table and conversions, emission factor units.
- ``engine``: inventory dataclasses and the deterministic recomputation.
- ``montecarlo``: uncertainty of the total by simulation.
- ``spreadsheet_reader``: untrusted upload bytes to rows (kind by content, size, zip bomb).
- ``importer``: rows to inventory lines, every problem reported, all or nothing.
- ``exporter``: the blank template and the exports, which import back unchanged.
- ``dataset_reader``: an additional emission factor dataset file, every row with its source.

The Django layer: ``models``, ``selectors`` (reads), ``services`` (writes, one module per
concern), ``bridge`` (rows onto the core's dataclasses and back), and the factor library's
``views`` and ``apis``.
"""
