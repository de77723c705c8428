"""Product carbon footprint computation, free of Django so that it runs anywhere and fast.

- ``messages``: message templates translated where they are shown, not here.
- ``units``: the unit table and conversions, emission factor units.
- ``engine``: inventory dataclasses and the deterministic recomputation.
- ``montecarlo``: uncertainty of the total by simulation.
- ``spreadsheet_reader``: untrusted upload bytes to rows (kind by content, size, zip bomb).
- ``importer``: rows to inventory lines, every problem reported, all or nothing.
- ``exporter``: the blank template and the exports, which import back unchanged.
- ``dataset_reader``: an additional emission factor dataset file, every row with its source.

The Django layer maps its rows onto these dataclasses and calls these functions.
"""
