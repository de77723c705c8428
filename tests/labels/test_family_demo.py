"""The demo shows a product family: the command seeds it, certified through the whole
procedure, one certificate with a verifying label for each model."""

from io import StringIO

import pytest
from django.core.management import call_command

from certification.models import Certificate, ProductCategory
from labels.models import Label
from labels.vc.verifier import Reason
from labels.verification import verify
from oversight.demo import FAMILY_DEMO


# Committed for real, as `make run` does: the supervision demo acts on labels issued on commit.
@pytest.mark.django_db(transaction=True)
def test_the_demo_command_seeds_a_certified_family(client) -> None:
    out = StringIO()
    call_command("seed_demo", stdout=out)

    certificate = Certificate.objects.get(product__model=FAMILY_DEMO[0][0])
    labels = list(Label.objects.filter(certificate=certificate).order_by("pk"))
    assert [label.product.model for label in labels] == [model for model, *_ in FAMILY_DEMO]
    assert [label.gtin for label in labels] == [gtin for _model, gtin, *_ in FAMILY_DEMO]
    for label in labels:
        assert verify(label.credential).reason == Reason.VALID
        assert client.get(f"/labels/{label.serial}/").status_code == 200
    assert f"Demo product family {certificate.number}" in out.getvalue()
    # The demo's one rule with families; the national pilot's storage batteries keep one
    # application per model.
    assert list(
        ProductCategory.objects.filter(allows_families=True).values_list("code", flat=True)
    ) == ["LIB-CONSUMER"]

    call_command("seed_demo", stdout=StringIO())
    assert Label.objects.filter(certificate=certificate).count() == 3
