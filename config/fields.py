"""Model fields for text the public reads: names of organisations and products, addresses,
complaint descriptions.

Bidirectional control characters (embeddings and overrides U+202A-U+202E, isolates
U+2066-U+2069) make a name display backwards or out of order: "\u202eLLETS" shows as "STELLS"
reversed. No legitimate Chinese or English name needs them, so these fields drop them whenever
a value is validated or saved, whichever way it came in (portal form, API, admin, a service or
a command). One place: the field. Migrations see plain CharField/TextField (``deconstruct``):
nothing in the database changes.
"""

from typing import TYPE_CHECKING, Any, Literal, TypedDict, overload

from django.db import models
from django_stubs_ext import StrOrPromise

BIDI_CONTROLS = dict.fromkeys(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)  # str.translate: delete these


def strip_bidi_controls(value: Any) -> Any:
    return value.translate(BIDI_CONTROLS) if isinstance(value, str) else value


class _PublicText:
    def to_python(self, value: Any) -> Any:
        return strip_bidi_controls(super().to_python(value))  # type: ignore[misc]

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = strip_bidi_controls(super().pre_save(model_instance, add))  # type: ignore[misc]
        setattr(model_instance, self.attname, value)  # type: ignore[attr-defined]
        return value

    def clean(self, value: Any, model_instance: models.Model | None) -> Any:
        # Before the blank check: a name of controls only is an empty name.
        return super().clean(strip_bidi_controls(value), model_instance)  # type: ignore[misc]


class PublicCharField(_PublicText, models.CharField):
    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs


class PublicTextField(_PublicText, models.TextField):
    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.TextField", args, kwargs


class DecimalDigits(TypedDict):
    """The precision of a decimal quantity, shared by its model, form and serializer fields."""

    max_digits: int
    decimal_places: int


if TYPE_CHECKING:
    from decimal import Decimal

    from django.db.models.expressions import Combinable

    DecimalValue = str | float | Decimal | Combinable


@overload
def decimal_field(
    verbose_name: StrOrPromise, digits: DecimalDigits, *, null: Literal[False] = ..., **options: Any
) -> "models.DecimalField[DecimalValue, Decimal]": ...
@overload
def decimal_field(
    verbose_name: StrOrPromise, digits: DecimalDigits, *, null: Literal[True], **options: Any
) -> "models.DecimalField[DecimalValue | None, Decimal | None]": ...
def decimal_field(
    verbose_name: StrOrPromise, digits: DecimalDigits, *, null: bool = False, **options: Any
) -> "models.DecimalField[Any, Any]":
    """A model DecimalField of this precision. Typed, unlike `DecimalField(**digits)`: the
    checker sees the arguments, and a nullable field reads as `Decimal | None`."""
    return models.DecimalField(verbose_name, null=null, **digits, **options)
