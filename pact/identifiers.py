"""The URNs and codes a ProductFootprint carries, and how a filter value is read back.

- Footprint id: uuid5 of the label credential's id (`urn:carbonlabel:<serial>`), so it is stable
  and anyone holding the label can derive it.
- Company: `urn:uscc:<USCC>`. The Unified Social Credit Code is the enterprise's legal identifier;
  no registered URN namespace exists for it and PACT accepts any URN.
- Product: `urn:gtin:<GTIN-14>` when the label carries a GTIN, and always
  `urn:carbonlabel:product:<id>`, the platform's own product record.
- Classification: `urn:carbonlabel:category:<code>` for the product's category and its parent,
  and `urn:pact:productclassification:un-cpc:<code>` where the category maps to UN CPC.
- Geography: the dossier's geography as an ISO 3166-1 country, an ISO 3166-2 subdivision or a UN
  region; text that is none of these (products certified here are made in China) is CN.
"""

import re
import uuid
from dataclasses import dataclass

from certification.identifiers import gtin_is_valid
from certification.models import ProductCategory

GTIN_PREFIX = "urn:gtin:"
USCC_PREFIX = "urn:uscc:"
PRODUCT_PREFIX = "urn:carbonlabel:product:"
CATEGORY_PREFIX = "urn:carbonlabel:category:"
CPC_PREFIX = "urn:pact:productclassification:un-cpc:"

# UN CPC Ver. 2.1 for the reference categories (shared/reference/product_categories.csv), given
# only at the level of detail that could be confirmed: a class or group where the catalogue
# product sits in one, otherwise the division or section. A catalogue product without its own
# entry takes its pilot category's code. Refine here; nothing else needs to change.
CPC_BY_CATEGORY = {
    "LIB": "4642",  # electric accumulators
    "PV": "471",  # electronic components, incl. photovoltaic cells and modules
    "STEEL": "411",  # basic iron and steel
    "TEXTILE": "2",  # textiles, apparel and leather products (section)
    "EEA": "4",  # metal products, machinery and equipment (section)
    "EEA-AC": "43",  # general-purpose machinery
    "EEA-DESKTOP": "4523",  # data processing machines with CPU, input and output in one housing
    "EEA-LAPTOP": "4522",  # portable data processing machines
    "EEA-MOTOR": "4611",  # electric motors and generators
    "TYRE": "361",  # rubber tyres and tubes
    "CEMENT": "3744",  # Portland, aluminous, slag and similar hydraulic cements
    "ALU": "41",  # basic metals
    "PHOS": "346",  # fertilizers and pesticides
    "UREA": "346",
    "WOOD": "31",  # products of wood, cork, straw and plaiting materials
}

# The UN regions a country lies in, for the `geography` filter ("within the specified
# geography"). Only East Asia is listed: footprints elsewhere match by their own code.
REGIONS_OF_COUNTRY = {
    country: ("Eastern Asia", "Asia") for country in ("CN", "HK", "MO", "JP", "KP", "KR", "MN")
}
UN_REGIONS = (
    "Africa",
    "Americas",
    "Asia",
    "Europe",
    "Oceania",
    "Australia and New Zealand",
    "Central Asia",
    "Eastern Asia",
    "Eastern Europe",
    "Latin America and the Caribbean",
    "Melanesia",
    "Micronesia",
    "Northern Africa",
    "Northern America",
    "Northern Europe",
    "Polynesia",
    "South-eastern Asia",
    "Southern Asia",
    "Southern Europe",
    "Sub-Saharan Africa",
    "Western Asia",
    "Western Europe",
)
CHINA_NAMES = {
    "china",
    "中国",
    "中华人民共和国",
    "prc",
    "people's republic of china",
    "mainland china",
    "中国大陆",
}
DEFAULT_COUNTRY = "CN"
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_SUBDIVISION = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")


def footprint_id(serial: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"urn:carbonlabel:{serial}")


def company_ids(uscc: str | None) -> list[str]:
    return [f"{USCC_PREFIX}{uscc}"] if uscc else []


def product_ids(*, gtin: str, product_id: int) -> list[str]:
    ids = [f"{GTIN_PREFIX}{gtin}"] if gtin else []
    return [*ids, f"{PRODUCT_PREFIX}{product_id}"]


def cpc_code(category: ProductCategory) -> str:
    """The category's UN CPC code, or its parent's; our own code when neither maps (2.x requires
    a non-empty productCategoryCpc)."""
    if category.code in CPC_BY_CATEGORY:
        return CPC_BY_CATEGORY[category.code]
    if category.parent is not None and category.parent.code in CPC_BY_CATEGORY:
        return CPC_BY_CATEGORY[category.parent.code]
    return category.code


def classifications(category: ProductCategory) -> list[str]:
    urns = [f"{CATEGORY_PREFIX}{category.code}"]
    if category.parent is not None:
        urns.append(f"{CATEGORY_PREFIX}{category.parent.code}")
    cpc = cpc_code(category)
    if cpc != category.code:
        urns.append(f"{CPC_PREFIX}{cpc}")
    return urns


@dataclass(frozen=True)
class Geography:
    country: str = ""
    subdivision: str = ""
    region: str = ""


def geography(text: str) -> Geography:
    value = (text or "").strip()
    upper = value.upper()
    if _COUNTRY.match(upper):
        return Geography(country=upper)
    if _SUBDIVISION.match(upper):
        return Geography(subdivision=upper)
    for region in UN_REGIONS:
        if value.lower() == region.lower():
            return Geography(region=region)
    return Geography(country=DEFAULT_COUNTRY)


def strip_prefix(value: str, prefix: str) -> str | None:
    """The rest of a URN after `prefix`, compared case-insensitively; None if it differs."""
    if value[: len(prefix)].lower() == prefix:
        return value[len(prefix) :]
    return None


def gtin_of(urn: str) -> str | None:
    rest = strip_prefix(urn.strip(), GTIN_PREFIX)
    if rest is None or not gtin_is_valid(rest):
        return None
    return rest.zfill(14)
