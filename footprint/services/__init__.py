"""Writes to the factor library, inventories and recomputations, one module per concern:

- ``library``: drafts of a dataset, their factors, publishing and discarding.
- ``datasets``: loading the shipped reference tables and additional dataset files.
- ``lines``: inventory lines, checked field group by field group, on an open version.
- ``imports``: an inventory file into an open version, whole or not at all.
- ``recomputation``: a version recomputed from its inventory and stored.

Who may edit which dossier version is the certification app's rule: its inventory services
find the open version, take the dossier's lock and call these.
"""

from .datasets import (
    DatasetLoadOutcome,
    LibraryLoadSummary,
    factor_dataset_load,
    factor_library_load,
)
from .imports import (
    ImportOutcome,
    import_max_bytes,
    import_refused,
    inventory_file_check,
    inventory_lines_replace,
    inventory_upload_read,
)
from .library import (
    FACTOR_FIELDS,
    dataset_version_create_draft,
    dataset_version_discard,
    dataset_version_publish,
    factor_create,
    factor_delete,
    factor_update,
)
from .lines import (
    inventory_line_add,
    inventory_line_apply,
    inventory_line_change,
    inventory_line_remove,
    inventory_lines_copy,
)
from .recomputation import (
    RecomputationImpossible,
    materiality_threshold,
    recomputation_run,
    recomputation_store_at_freeze,
)

__all__ = [
    "FACTOR_FIELDS",
    "DatasetLoadOutcome",
    "ImportOutcome",
    "LibraryLoadSummary",
    "RecomputationImpossible",
    "dataset_version_create_draft",
    "dataset_version_discard",
    "dataset_version_publish",
    "factor_create",
    "factor_dataset_load",
    "factor_delete",
    "factor_library_load",
    "factor_update",
    "import_max_bytes",
    "import_refused",
    "inventory_file_check",
    "inventory_line_add",
    "inventory_line_apply",
    "inventory_line_change",
    "inventory_line_remove",
    "inventory_lines_copy",
    "inventory_lines_replace",
    "inventory_upload_read",
    "materiality_threshold",
    "recomputation_run",
    "recomputation_store_at_freeze",
]
