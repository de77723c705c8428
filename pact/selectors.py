"""Reads of footprints for a partner client, with a fixed number of queries per page.

A page is one query (the footprint index joined to its label, certificate, application,
evaluation, product, category, enterprise, body, dossier version and recomputation), plus one for
the renewal chains of the page's labels.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce, Greatest

from labels.models import Label, LabelEvent

from . import identifiers
from .models import AccessToken, Footprint, PartnerClient

RELATED = (
    "label",
    "label__certificate",
    "label__certificate__application",
    "label__certificate__application__evaluation",
    "label__certificate__product",
    "label__certificate__product__category",
    "label__certificate__product__category__parent",
    "label__certificate__enterprise",
    "label__certificate__certification_body",
    "label__certificate__dossier_version",
    "label__certificate__dossier_version__recomputation",
)
# LabelEvent actions that change what a footprint says (its status), a revoked signing key
# included (the footprint is then Deprecated).
STATUS_EVENTS = ("suspended", "restored", "revoked", "cancelled", "expired", "key_revoked")


@dataclass(frozen=True)
class FootprintView:
    """A footprint row with what its chain adds: the ids it renews and when it was renewed."""

    footprint: Footprint
    preceding_ids: tuple[str, ...]
    superseded_at: datetime | None
    status_changes: int

    @property
    def label(self) -> Label:
        return self.footprint.label


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def access_token_get(raw: str) -> AccessToken | None:
    """The token with its client, or None; expiry is the caller's to judge."""
    return AccessToken.objects.select_related("client").filter(token_hash=token_hash(raw)).first()


def partner_client_get(client_id: str) -> PartnerClient | None:
    return PartnerClient.objects.filter(client_id=client_id, is_active=True).first()


def _later_in_chain() -> QuerySet[Label]:
    # The chain of a label: same product, same plant, same body, as the certificate renews.
    # A product family's variant labels share the certificate's product but are other models.
    return Label.objects.filter(
        variant__isnull=True,
        certificate__product_id=OuterRef("label__certificate__product_id"),
        certificate__certification_body_id=OuterRef("label__certificate__certification_body_id"),
        certificate__application__plant_address=OuterRef(
            "label__certificate__application__plant_address"
        ),
        pk__gt=OuterRef("label_id"),
    )


def _footprints() -> QuerySet[Footprint]:
    later_in_chain = _later_in_chain()
    status_changes = (
        LabelEvent.objects.filter(label_id=OuterRef("label_id"), action__in=STATUS_EVENTS)
        .order_by()
        .values("label_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        Footprint.objects.select_related(*RELATED)
        .annotate(
            superseded=Exists(later_in_chain),
            status_changes=Coalesce(Subquery(status_changes, output_field=IntegerField()), 0),
        )
        .order_by("label_id")
    )


def footprints_for_client(client: PartnerClient, *, spec: int) -> QuerySet[Footprint]:
    """The footprints of the enterprises that share with this client, oldest label first (new
    labels append at the end, so offset pages stay stable). Under /2 only those 2.x can
    express."""
    queryset = _footprints().filter(
        label__certificate__enterprise__in=client.data_owners.values("pk")
    )
    if spec == 2:
        queryset = queryset.exclude(v2_declared_unit="")
    return queryset


def with_updated(queryset: QuerySet[Footprint]) -> QuerySet[Footprint]:
    """Annotates `updated_at`, the moment the v2 `updated` states (representation
    `_updated`): the latest of the renewal, the last recorded status change and the revocation
    of the signing key; NULL for a footprint never changed. Needs the `status_changes`
    annotation of `_footprints`."""
    superseded_at = Subquery(
        _later_in_chain().order_by("pk").values("issued_at")[:1], output_field=DateTimeField()
    )
    status_changed_at = Case(
        When(status_changes__gt=0, then=F("label__status_changed_at")),
        default=None,
        output_field=DateTimeField(),
    )
    # Greatest of values any of which may be NULL, the same on SQLite and PostgreSQL.
    moments = ("superseded_at", "last_status_change_at", "label__key_revoked_at")
    return queryset.annotate(
        superseded_at=superseded_at, last_status_change_at=status_changed_at
    ).annotate(
        updated_at=Greatest(
            *(Coalesce(*moments[start:], *moments[:start]) for start in range(len(moments)))
        )
    )


def footprint_get(pf_id) -> Footprint | None:
    return _footprints().filter(pf_id=pf_id).first()


def client_may_read(client: PartnerClient, footprint: Footprint) -> bool:
    return client.data_owners.filter(pk=footprint.label.certificate.enterprise_id).exists()


def footprint_page(
    queryset: QuerySet[Footprint], *, offset: int, limit: int
) -> tuple[list[FootprintView], bool]:
    """`limit` footprints from `offset`, and whether more follow (one extra row tells)."""
    rows = list(queryset[offset : offset + limit + 1])
    return footprint_views(rows[:limit]), len(rows) > limit


def footprint_views(footprints: list[Footprint]) -> list[FootprintView]:
    if not footprints:
        return []
    product_ids = {footprint.label.certificate.product_id for footprint in footprints}
    chains: dict[tuple, list[tuple[int, str, datetime]]] = defaultdict(list)
    for pk, serial, issued_at, product_id, body_id, plant in (
        Label.objects.filter(certificate__product_id__in=product_ids, variant__isnull=True)
        .order_by("pk")
        .values_list(
            "pk",
            "serial",
            "issued_at",
            "certificate__product_id",
            "certificate__certification_body_id",
            "certificate__application__plant_address",
        )
    ):
        chains[(product_id, body_id, plant)].append((pk, serial, issued_at))
    views = []
    for footprint in footprints:
        certificate = footprint.label.certificate
        chain = chains[
            (
                certificate.product_id,
                certificate.certification_body_id,
                certificate.application.plant_address,
            )
        ]
        earlier = tuple(
            str(identifiers.footprint_id(serial))
            for pk, serial, _ in chain
            if pk < footprint.label_id
        )
        later = [issued_at for pk, _, issued_at in chain if pk > footprint.label_id]
        views.append(
            FootprintView(
                footprint=footprint,
                preceding_ids=earlier,
                superseded_at=later[0] if later else None,
                status_changes=getattr(footprint, "status_changes", 0),
            )
        )  # the annotation
    return views
