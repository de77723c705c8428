"""The dashboard's filters: period, product category, province, certification body.

Province is the enterprise's: `Organisation.province`, which registration requires; for an
organisation saved without one (older rows, imports) it is read from the administrative division
code in its Unified Social Credit Code (characters 3-4, the GB/T 2260 province code).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from django import forms
from django.db.models import Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, Province
from accounts.roles import OrganisationKind
from certification.models import ProductCategory
from config.forms import period_checked

DEFAULT_PERIOD_MONTHS = 12  # the current month and the eleven before it

# GB/T 2260 province codes (USCC characters 3-4) → the platform's province codes.
USCC_PROVINCE_CODES = {
    "11": "BJ",
    "12": "TJ",
    "13": "HE",
    "14": "SX",
    "15": "NM",
    "21": "LN",
    "22": "JL",
    "23": "HL",
    "31": "SH",
    "32": "JS",
    "33": "ZJ",
    "34": "AH",
    "35": "FJ",
    "36": "JX",
    "37": "SD",
    "41": "HA",
    "42": "HB",
    "43": "HN",
    "44": "GD",
    "45": "GX",
    "46": "HI",
    "50": "CQ",
    "51": "SC",
    "52": "GZ",
    "53": "YN",
    "54": "XZ",
    "61": "SN",
    "62": "GS",
    "63": "QH",
    "64": "NX",
    "65": "XJ",
}
PROVINCE_USCC_CODES = {province: code for code, province in USCC_PROVINCE_CODES.items()}


@dataclass(frozen=True)
class Choices:
    """What the filter lists offer: read once per render (two queries)."""

    bodies: list[Organisation]
    categories: list[ProductCategory]


def filter_choices() -> Choices:
    bodies = list(
        Organisation.objects.filter(kind=OrganisationKind.CERTIFICATION_BODY)
        .only("pk", "name", "code")
        .order_by("name", "pk")
    )
    categories = list(
        ProductCategory.objects.filter(parent__isnull=True)
        .only("pk", "code", "name_zh", "name_en")
        .order_by("code")
    )
    return Choices(bodies=bodies, categories=categories)


class DashboardFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    category = forms.TypedChoiceField(
        label=_("Product category"), required=False, coerce=int, empty_value=None
    )
    province = forms.ChoiceField(label=_("Province"), required=False)
    body = forms.TypedChoiceField(
        label=_("Certification body"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, data, *, choices: Choices) -> None:
        super().__init__(data)
        everything = [("", _("All"))]
        category_field = cast(forms.TypedChoiceField, self.fields["category"])
        category_field.choices = everything + [
            (category.pk, f"{category.code} {category.name}") for category in choices.categories
        ]
        province_field = cast(forms.ChoiceField, self.fields["province"])
        province_field.choices = everything + list(Province.choices)
        body_field = cast(forms.TypedChoiceField, self.fields["body"])
        body_field.choices = everything + [(body.pk, body.name) for body in choices.bodies]

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        period_checked(cleaned.get("date_from"), cleaned.get("date_to"))
        return cleaned


@dataclass(frozen=True)
class DashboardFilters:
    date_from: date
    date_to: date
    category_id: int | None = None
    province: str = ""
    body_id: int | None = None

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.date_from, time.min))

    @property
    def end(self) -> datetime:
        """Exclusive: the first instant after the last day of the period."""
        return timezone.make_aware(datetime.combine(self.date_to + timedelta(days=1), time.min))

    def query(self) -> dict[str, str]:
        """The filters as query parameters, for links that keep them (sorting, exports)."""
        values = {"date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat()}
        if self.category_id:
            values["category"] = str(self.category_id)
        if self.province:
            values["province"] = self.province
        if self.body_id:
            values["body"] = str(self.body_id)
        return values


def default_filters(today: date | None = None) -> DashboardFilters:
    """The last twelve months: from the first day of the month eleven months ago to today
    (whole months, which the kept counts answer: see `figures.counted`)."""
    today = today or timezone.localdate()
    months = today.year * 12 + today.month - 1 - (DEFAULT_PERIOD_MONTHS - 1)
    return DashboardFilters(date_from=date(months // 12, months % 12 + 1, 1), date_to=today)


def filters_from(form: DashboardFilterForm) -> DashboardFilters:
    """The form's filters; an invalid form falls back to the defaults (its errors are shown)."""
    defaults = default_filters()
    if not form.is_valid():
        return defaults
    data = form.cleaned_data
    return DashboardFilters(
        date_from=data["date_from"] or defaults.date_from,
        date_to=data["date_to"] or defaults.date_to,
        category_id=data["category"],
        province=data["province"] or "",
        body_id=data["body"],
    )


def enterprises_in_province(province: str) -> QuerySet[Organisation, Any]:
    """A subquery of the organisations located in `province` (see the module's note)."""
    by_uscc = Q(province="", region=PROVINCE_USCC_CODES.get(province, "--"))
    return (
        Organisation.objects.annotate(region=Substr("uscc", 3, 2))
        .filter(Q(province=province) | by_uscc)
        .values("pk")
    )


def categories_under(category_id: int) -> QuerySet[ProductCategory, Any]:
    """A subquery of the category and its catalogue products (the reference has two levels)."""
    return ProductCategory.objects.filter(Q(pk=category_id) | Q(parent_id=category_id)).values("pk")
