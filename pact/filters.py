"""The v3 footprint filters, from a ListFootprints query or from a RequestCreated event.

Values of one criterion are ORed, criteria are ANDed, values compare case-insensitively. A value
in a form we do not issue (another URN namespace, a GTIN with a bad check digit) matches nothing,
so an unmatched filter answers `{"data": []}` rather than everything.
"""

import re
from dataclasses import dataclass, fields
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_date, parse_datetime

from config.api import ID_MAX
from labels.models import LabelStatus

from . import identifiers
from .errors import BadRequest

LIST_CRITERIA = {
    "productid": "product_ids",
    "companyid": "company_ids",
    "geography": "geographies",
    "classification": "classifications",
    "status": "statuses",
}
DATE_CRITERIA = {"validon": "valid_on", "validafter": "valid_after", "validbefore": "valid_before"}
ACTIVE, DEPRECATED = "Active", "Deprecated"
# A label that no longer certifies anything: its footprint is Deprecated.
ENDED_STATUSES = (
    LabelStatus.SUSPENDED,
    LabelStatus.REVOKED,
    LabelStatus.CANCELLED,
    LabelStatus.EXPIRED,
)
# "+08:00" arrives as " 08:00" when a client forgets to percent-encode the plus sign.
_UNENCODED_PLUS = re.compile(r" (\d{2}(?::?\d{2})?)$")


@dataclass(frozen=True)
class Criteria:
    product_ids: tuple[str, ...] = ()
    company_ids: tuple[str, ...] = ()
    geographies: tuple[str, ...] = ()
    classifications: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    valid_on: datetime | None = None
    valid_after: datetime | None = None
    valid_before: datetime | None = None

    def is_empty(self) -> bool:
        return not any(getattr(self, field.name) for field in fields(self))


def criteria_from_query(query) -> Criteria:
    """From a QueryDict. Parameter names are read case-insensitively, as the spec's own example
    mixes `productId` and `productid`; names we do not know (such as `x-…` extensions, `limit`
    and `offset`) are left to the caller."""
    lists: dict[str, list[str]] = {}
    dates: dict[str, datetime] = {}
    for name in query:
        key = name.lower()
        values = query.getlist(name)
        if key in LIST_CRITERIA:
            lists.setdefault(LIST_CRITERIA[key], []).extend(values)
        elif key in DATE_CRITERIA:
            if len(values) != 1 or DATE_CRITERIA[key] in dates:
                raise BadRequest(f"Give {name} once.")
            dates[DATE_CRITERIA[key]] = parse_instant(values[0], name)
    return _criteria(lists, dates)


def criteria_from_event_data(data: dict) -> Criteria:
    """From the `data` of a v3 RequestCreated event: list criteria are arrays (a single string is
    taken as a one-element list), dates and status are strings."""
    lists: dict[str, list[str]] = {}
    dates: dict[str, datetime] = {}
    for name, value in data.items():
        key = name.lower()
        if key in LIST_CRITERIA:
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise BadRequest(f"{name} must be a list of strings.")
            lists.setdefault(LIST_CRITERIA[key], []).extend(values)
        elif key in DATE_CRITERIA:
            dates[DATE_CRITERIA[key]] = parse_instant(value, name)
    return _criteria(lists, dates)


def criteria_from_fragment(fragment: dict) -> Criteria:
    """From the ProductFootprint fragment (`data.pf`) of a 2.x RequestCreated event: its
    productIds, companyIds and productCategoryCpc."""
    lists: dict[str, list[str]] = {}
    for name, target in (("productIds", "product_ids"), ("companyIds", "company_ids")):
        if name in fragment:
            values = fragment[name]
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise BadRequest(f"pf.{name} must be a list of URNs.")
            lists[target] = values
    cpc = fragment.get("productCategoryCpc")
    if cpc is not None:
        if not isinstance(cpc, str):
            raise BadRequest("pf.productCategoryCpc must be a string.")
        lists["classifications"] = [f"{identifiers.CPC_PREFIX}{cpc}"]
    return _criteria(lists, {})


def _criteria(lists: dict[str, list[str]], dates: dict[str, datetime]) -> Criteria:
    # A status other than Active or Deprecated is kept as given: like any filter value that
    # matches nothing, it answers `{"data": []}` rather than 400 (CONTRACTS §7).
    statuses = [
        {ACTIVE.lower(): ACTIVE, DEPRECATED.lower(): DEPRECATED}.get(value.strip().lower(), value)
        for value in lists.pop("statuses", [])
    ]
    values: dict[str, Any] = {name: tuple(found) for name, found in lists.items()}
    values.update(dates)
    return Criteria(**values, statuses=tuple(statuses))


def parse_instant(value: object, name: str) -> datetime:
    """An RFC 3339 date-time (seconds optional, as in the spec's `2025-04-01T00:00Z`) or a bare
    date, which means its midnight UTC; a time without an offset is UTC."""
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a date-time string.")
    text = _UNENCODED_PLUS.sub(r"+\1", value.strip())
    try:
        moment = parse_datetime(text)
        if moment is None and (day := parse_date(text)) is not None:
            moment = datetime.combine(day, time(0, 0))
    except ValueError:
        moment = None
    if moment is None:
        raise BadRequest(f"{name} is not a date-time: {value!r}.")
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    try:
        # 9999-12-31T23:59-01:00 is past the last UTC year; the comparisons also take the date
        # in the platform's time zone and the day on either side (pact/odata.py).
        local = moment.astimezone(UTC).astimezone(ZoneInfo(settings.TIME_ZONE)).date()
        local - timedelta(days=1), local + timedelta(days=1)
    except OverflowError:
        raise BadRequest(f"{name} is out of range: {value!r}.") from None
    return moment


def deprecated_condition(now: datetime) -> Q:
    """Deprecated: the label no longer certifies (suspended, revoked, cancelled, expired, or past
    its validUntil before the expiry task ran), its signing key was revoked (``Label.verdict``
    in SQL), or a renewal superseded it. Needs the `superseded` annotation of
    `selectors.footprints_for_client`."""
    return (
        Q(label__status__in=ENDED_STATUSES)
        | Q(label__valid_until__lte=now)
        | Q(label__key_revoked_at__isnull=False)
        | Q(superseded=True)
    )


def apply(queryset: QuerySet, criteria: Criteria, *, now: datetime) -> QuerySet:
    conditions = []
    if criteria.product_ids:
        conditions.append(_any(product_condition(value) for value in criteria.product_ids))
    if criteria.company_ids:
        conditions.append(_any(company_condition(value) for value in criteria.company_ids))
    if criteria.geographies:
        conditions.append(_any(_geography_condition(value) for value in criteria.geographies))
    if criteria.classifications:
        conditions.append(
            _any(_classification_condition(value) for value in criteria.classifications)
        )
    if criteria.statuses:
        deprecated = deprecated_condition(now)
        by_status = {ACTIVE: ~deprecated, DEPRECATED: deprecated}
        conditions.append(_any(by_status.get(status, NOTHING) for status in criteria.statuses))
    if criteria.valid_on:
        conditions.append(
            Q(label__valid_from__lte=criteria.valid_on, label__valid_until__gte=criteria.valid_on)
        )
    if criteria.valid_after:
        conditions.append(Q(label__valid_from__gt=criteria.valid_after))
    if criteria.valid_before:
        conditions.append(Q(label__valid_until__lt=criteria.valid_before))
    for condition in conditions:
        queryset = queryset.filter(condition)
    return queryset


NOTHING = Q(pk__in=[])


def _any(conditions) -> Q:
    combined = NOTHING
    for condition in conditions:
        combined |= condition
    return combined


def product_condition(value: str) -> Q:
    if (gtin := identifiers.gtin_of(value)) is not None:
        return Q(label__gtin=gtin)
    rest = identifiers.strip_prefix(value.strip(), identifiers.PRODUCT_PREFIX)
    # ASCII digits within the database's integers: "²".isdigit() is true, yet int() refuses it.
    if (
        rest is not None
        and rest.isascii()
        and rest.isdigit()
        and len(rest) <= 19
        and int(rest) <= ID_MAX
    ):
        return Q(label__certificate__product_id=int(rest))
    return NOTHING


def company_condition(value: str) -> Q:
    rest = identifiers.strip_prefix(value.strip(), identifiers.USCC_PREFIX)
    if not rest:
        return NOTHING
    return Q(label__certificate__enterprise__uscc=rest.upper())


def _geography_condition(value: str) -> Q:
    text = value.strip()
    code = text.upper()
    condition = (
        Q(geography_country=code) | Q(geography_subdivision=code) | Q(geography_region__iexact=text)
    )
    if len(code) == 2:
        condition |= Q(geography_subdivision__startswith=f"{code}-")
    for country, regions in identifiers.REGIONS_OF_COUNTRY.items():
        if any(region.lower() == text.lower() for region in regions):
            condition |= Q(geography_country=country) | Q(
                geography_subdivision__startswith=f"{country}-"
            )
    return condition


def _classification_condition(value: str) -> Q:
    text = value.strip()
    code = identifiers.strip_prefix(text, identifiers.CATEGORY_PREFIX)
    if code:
        code = code.upper()
        return Q(label__certificate__product__category__code=code) | Q(
            label__certificate__product__category__parent__code=code
        )
    cpc = identifiers.strip_prefix(text, identifiers.CPC_PREFIX)
    if cpc:
        mapped = [
            category for category, target in identifiers.CPC_BY_CATEGORY.items() if target == cpc
        ]
        if not mapped:
            return NOTHING
        # A category's own entry wins over its parent's (identifiers.cpc_code).
        return Q(label__certificate__product__category__code__in=mapped) | (
            Q(label__certificate__product__category__parent__code__in=mapped)
            & ~Q(label__certificate__product__category__code__in=list(identifiers.CPC_BY_CATEGORY))
        )
    return NOTHING
