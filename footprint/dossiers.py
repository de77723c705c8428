"""What the footprint engine reads of certification's records. The engine is the layer below
certification: its models point at a dossier version by a string foreign key, and its functions
name a dossier version and an evidence file only by what they read of them, here."""

from decimal import Decimal
from typing import Any, Protocol


class DossierVersionRecord(Protocol):
    """A dossier version (`certification.models.DossierVersion`) as the engine reads it."""

    @property
    def pk(self) -> Any: ...

    @property
    def declared_total(self) -> Decimal | None: ...

    @property
    def gwp_set(self) -> str: ...

    @property
    def files(self) -> Any: ...

    @property
    def inventory_lines(self) -> Any: ...

    @property
    def stage_results(self) -> Any: ...


class EvidenceFileRecord(Protocol):
    """An evidence file (`certification.models.EvidenceFile`) as the engine reads it."""

    @property
    def pk(self) -> Any: ...

    @property
    def original_name(self) -> str: ...
