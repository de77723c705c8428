"""The `$filter` of a 2.x ListFootprints: the OData v4 subset the v2 specification allows, parsed
by a small recursive-descent parser (nothing is evaluated) into database conditions.

The subset (PACT Technical Specifications 2.x, "Filter"):

- `eq`, `lt`, `le`, `gt`, `ge` on `created`, `updated`, `productCategoryCpc`,
  `pcf/geographyCountry`, `pcf/referencePeriodStart`, `pcf/referencePeriodEnd`;
- `and`, with parentheses;
- `any` on `productIds` and `companyIds`, whose body is `<variable> eq '<value>'`.

Strings are single-quoted (`''` is a quote); a date-time may also be written unquoted, as the
conformance tests do. Each property compares with the value the v2 document states: `created`
and `updated` to the second, the reference period as its local midnights, `geographyCountry`
only where the document has one. A value that matches nothing gives an empty list.

Input outside the grammar is 400 BadRequest; OData the grammar knows but the subset leaves out
(`or`, `not`, `ne`, another property or collection) is 400 NotImplemented, as the specification
lets a host refuse a filter it does not support.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Case, CharField, F, Q, QuerySet, Value, When
from django.db.models.functions import TruncSecond

from . import identifiers, selectors
from .errors import BadRequest, NotImplementedByHost
from .filters import company_condition, parse_instant, product_condition

MAX_LENGTH = 4000
MAX_DEPTH = 16
OPERATORS = {"eq": "exact", "lt": "lt", "le": "lte", "gt": "gt", "ge": "gte"}
# OData operators and functions outside the subset: refused as not implemented.
OTHER_ODATA = {"or", "not", "ne", "has", "in", "add", "sub", "mul", "div", "mod", "all"}
MOMENT_PROPERTIES = ("created", "updated")
PERIOD_PROPERTIES = ("pcf/referencePeriodStart", "pcf/referencePeriodEnd")
TEXT_PROPERTIES = ("productCategoryCpc", "pcf/geographyCountry")
COLLECTIONS: dict[str, Callable[[str], Q]] = {
    "productIds": product_condition,
    "companyIds": company_condition,
}

_TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<string>'(?:[^']|'')*')"
    r"|(?P<punctuation>[():])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:/[A-Za-z_][A-Za-z0-9_]*)*)"
    r"|(?P<literal>[0-9][0-9A-Za-z:.+\-]*)"
    r")"
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


@dataclass(frozen=True)
class Comparison:
    property: str
    operator: str
    value: str | datetime


@dataclass(frozen=True)
class AnyEquals:
    collection: str
    value: str


Predicate = Comparison | AnyEquals


def _tokens(text: str) -> list[Token]:
    tokens = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise BadRequest(f"$filter: cannot read {text[position:][:30]!r}.")
        kind = match.lastgroup
        assert kind is not None
        tokens.append(Token(kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.position = 0
        self.depth = 0

    def parse(self) -> list[Predicate]:
        predicates = self._conjunction()
        if self.position != len(self.tokens):
            self._unexpected()
        return predicates

    # --- helpers ---------------------------------------------------------------------------

    def _peek(self) -> Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _next(self) -> Token:
        token = self._peek()
        if token is None:
            raise BadRequest("$filter: the expression ends too early.")
        self.position += 1
        return token

    def _is(self, kind: str, text: str | None = None) -> bool:
        token = self._peek()
        return token is not None and token.kind == kind and (text is None or token.text == text)

    def _expect(self, kind: str, text: str | None = None) -> Token:
        if not self._is(kind, text):
            self._unexpected()
        return self._next()

    def _unexpected(self) -> None:
        token = self._peek()
        if token is None:
            raise BadRequest("$filter: the expression ends too early.")
        if token.kind == "name" and token.text in OTHER_ODATA:
            raise NotImplementedByHost(
                f"$filter: {token.text!r} is outside the supported subset "
                "(eq, lt, le, gt, ge, and, productIds/any, companyIds/any)."
            )
        raise BadRequest(f"$filter: unexpected {token.text!r}.")

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise BadRequest("$filter: parentheses nest too deep.")

    # --- grammar ---------------------------------------------------------------------------

    def _conjunction(self) -> list[Predicate]:
        predicates = self._term()
        while self._is("name", "and"):
            self._next()
            predicates += self._term()
        return predicates

    def _term(self) -> list[Predicate]:
        if self._is("punctuation", "("):
            self._next()
            self._enter()
            predicates = self._conjunction()
            self._expect("punctuation", ")")
            self.depth -= 1
            return predicates
        token = self._expect("name")
        if token.text.endswith("/any") or token.text.endswith("/all"):
            return [self._lambda(token.text)]
        if token.text in MOMENT_PROPERTIES + PERIOD_PROPERTIES + TEXT_PROPERTIES:
            operator = self._operator()
            return [Comparison(token.text, operator, self._value(token.text))]
        following = self._peek()
        if following is not None and following.text in set(OPERATORS) | OTHER_ODATA:
            raise NotImplementedByHost(f"$filter: the property {token.text!r} is not supported.")
        self.position -= 1
        self._unexpected()
        raise AssertionError  # _unexpected always raises

    def _operator(self) -> str:
        token = self._expect("name")
        if token.text in OPERATORS:
            return token.text
        self.position -= 1
        self._unexpected()
        raise AssertionError

    def _value(self, name: str) -> str | datetime:
        token = self._next()
        if token.kind == "string":
            text = token.text[1:-1].replace("''", "'")
        elif token.kind == "literal" and name not in TEXT_PROPERTIES:
            text = token.text
        else:
            raise BadRequest(f"$filter: {name} takes a quoted value, not {token.text!r}.")
        if name in TEXT_PROPERTIES:
            return text
        return parse_instant(text, f"$filter {name}")

    def _lambda(self, path: str) -> AnyEquals:
        collection, _, kind = path.rpartition("/")
        if kind != "any" or collection not in COLLECTIONS:
            raise NotImplementedByHost(
                f"$filter: {path!r} is not supported; use productIds/any or companyIds/any."
            )
        self._expect("punctuation", "(")
        variable = self._expect("name").text
        if "/" in variable:
            raise BadRequest(f"$filter: {variable!r} is not a lambda variable.")
        self._expect("punctuation", ":")
        value = self._lambda_body(variable)
        self._expect("punctuation", ")")
        return AnyEquals(collection, value)

    def _lambda_body(self, variable: str) -> str:
        if self._is("punctuation", "("):
            self._next()
            self._enter()
            value = self._lambda_body(variable)
            self._expect("punctuation", ")")
            self.depth -= 1
            return value
        if self._expect("name").text != variable:
            raise BadRequest(f"$filter: the lambda compares {variable!r} only.")
        if self._operator() != "eq":
            raise NotImplementedByHost("$filter: the body of any() takes eq only.")
        token = self._expect("string")
        return token.text[1:-1].replace("''", "'")


def parse(text: str) -> list[Predicate]:
    """The predicates of a `$filter`, all of which must hold; none for an empty filter."""
    if len(text) > MAX_LENGTH:
        raise BadRequest("$filter is too long.")
    tokens = _tokens(text)
    return _Parser(tokens).parse() if tokens else []


# --- conditions ----------------------------------------------------------------------------


def apply(queryset: QuerySet, predicates: list[Predicate]) -> QuerySet:
    """The footprints of `queryset` (selectors.footprints_for_client) every predicate holds
    for."""
    names = {predicate.property for predicate in predicates if isinstance(predicate, Comparison)}
    if "created" in names:
        queryset = queryset.annotate(created_second=TruncSecond("label__issued_at", tzinfo=UTC))
    if "updated" in names:
        queryset = selectors.with_updated(queryset).annotate(
            updated_second=TruncSecond("updated_at", tzinfo=UTC)
        )
    if "productCategoryCpc" in names:
        queryset = queryset.annotate(category_cpc=_cpc_expression())
    if "pcf/geographyCountry" in names:
        queryset = queryset.annotate(stated_country=_country_expression())
    for predicate in predicates:
        queryset = queryset.filter(_condition(predicate))
    return queryset


def _condition(predicate: Predicate) -> Q:
    if isinstance(predicate, AnyEquals):
        return COLLECTIONS[predicate.collection](predicate.value)
    lookup = OPERATORS[predicate.operator]
    value = predicate.value
    if predicate.property in MOMENT_PROPERTIES:
        field = "created_second" if predicate.property == "created" else "updated_second"
        return Q(**{f"{field}__{lookup}": value})
    if predicate.property in PERIOD_PROPERTIES:
        assert isinstance(value, datetime)
        return _period_condition(predicate.property, predicate.operator, value)
    field = "category_cpc" if predicate.property == "productCategoryCpc" else "stated_country"
    return Q(**{f"{field}__{lookup}": value})


def _period_condition(name: str, operator: str, moment: datetime) -> Q:
    """The document states a date `d` of the dossier as the local midnight of `d` (the end: of
    the day after), so the comparison with an instant becomes one with dates."""
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    day, on_midnight = local.date(), local.time() == time(0, 0)
    field = "label__certificate__dossier_version__reference_period_start"
    if name == "pcf/referencePeriodEnd":
        field = "label__certificate__dossier_version__reference_period_end"
        day = _day_before(day)
    if operator == "eq":
        return Q(**{field: day}) if on_midnight else Q(pk__in=[])
    lookup = {
        "lt": "lt" if on_midnight else "lte",
        "le": "lte",
        "gt": "gt",
        "ge": "gte" if on_midnight else "gt",
    }[operator]
    return Q(**{f"{field}__{lookup}": day})


def _day_before(day: date) -> date:
    return day - timedelta(days=1)


def _cpc_expression() -> Case:
    """identifiers.cpc_code in SQL: the category's CPC, else its parent's, else its code."""
    category = "label__certificate__product__category__code"
    parent = "label__certificate__product__category__parent__code"
    mapped = identifiers.CPC_BY_CATEGORY
    return Case(
        *[When(**{category: code}, then=Value(cpc)) for code, cpc in mapped.items()],
        *[When(**{parent: code}, then=Value(cpc)) for code, cpc in mapped.items()],
        default=F(category),
        output_field=CharField(),
    )


def _country_expression() -> Case:
    """The v2 `geographyCountry` as representation `_geography` states it: absent (NULL) when
    the document names a subdivision or a region instead."""
    return Case(
        When(~Q(geography_subdivision=""), then=Value(None)),
        When(~Q(geography_region=""), then=Value(None)),
        When(geography_country="", then=Value(identifiers.DEFAULT_COUNTRY)),
        default=F("geography_country"),
        output_field=CharField(),
    )
