"""Rules for what a marketplace may register, shared by the portal form, the API and the
services (which check again: they are the only writers)."""

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from certification.identifiers import gtin_normalize

from . import conf
from .models import EventType

MAX_GTINS = 1000


# IPv6 forms that carry an IPv4 address a gateway may forward to (NAT64, 6to4, the deprecated
# IPv4-compatible form, Teredo): the embedded address could be a private one.
_CARRYING_IPV4 = tuple(
    ipaddress.ip_network(network)
    for network in ("64:ff9b::/96", "64:ff9b:1::/48", "2002::/16", "::/96", "2001::/32")
)


def address_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether a webhook may go to this address: a global one, not one that embeds an IPv4
    address (whose own reach the check could not see)."""
    if not address.is_global:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address_public(address.ipv4_mapped)
        return not any(address in network for network in _CARRYING_IPV4)
    return True


def endpoint_url_validate(url: str) -> str:
    url = url.strip()
    URLValidator(schemes=["http", "https"])(url)
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises on a port above 65535, which URLValidator lets through
    except ValueError:
        raise ValidationError(_("The port must be at most 65535."), code="port") from None
    if parts.username or parts.password:
        raise ValidationError(_("Put no user name or password in the URL."), code="credentials")
    if parts.fragment:
        raise ValidationError(_("A webhook URL has no #fragment."), code="fragment")
    if conf.allow_http():
        return url
    if parts.scheme != "https":
        raise ValidationError(_("Webhook URLs must use https."), code="https_only")
    host = (parts.hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        raise ValidationError(
            _("The endpoint must be reachable on the internet."), code="not_public"
        )
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return url  # a host name: its addresses are checked again at every send
    if not address_public(address):
        raise ValidationError(
            _("The endpoint must be reachable on the internet."), code="not_public"
        )
    return url


def event_types_clean(values: Iterable[str]) -> list[str]:
    chosen = set(values)
    unknown = chosen - set(EventType.values)
    if unknown:
        raise ValidationError(
            _("Unknown event types: %(types)s.") % {"types": ", ".join(sorted(unknown))},
            code="event_types",
        )
    if not chosen:
        raise ValidationError(_("Choose at least one event type."), code="event_types")
    return [value for value in EventType.values if value in chosen]


def gtins_clean(values: Iterable[str]) -> list[str]:
    """Normalised to 14 digits, de-duplicated, sorted; every invalid entry is named."""
    normalised: set[str] = set()
    errors: list[str] = []
    for value in values:
        value = value.strip()
        if not value:
            continue
        try:
            normalised.add(gtin_normalize(value))
        except ValidationError as error:
            errors.append(f"{value}: {' '.join(error.messages)}")
    if errors:
        raise ValidationError(errors, code="gtins")
    if len(normalised) > MAX_GTINS:
        raise ValidationError(
            _("At most %(count)d GTINs per endpoint.") % {"count": MAX_GTINS}, code="gtins"
        )
    return sorted(normalised)
