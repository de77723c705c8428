"""Date-times as Verifiable Credentials write them.

VC 2.0 uses XML Schema ``dateTimeStamp``: a full date and time with an explicit offset. Python's
``fromisoformat`` accepts looser forms (a bare date, a space separator, no offset), so the shape is
checked first; a credential whose dates two verifiers could read differently is malformed.
"""

import re
from datetime import UTC, datetime

_DATE_TIME_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})\Z")


def parse_date_time(text: object) -> datetime:
    """Parse a ``dateTimeStamp`` into an aware datetime; raise ``ValueError`` otherwise."""
    if not isinstance(text, str) or not _DATE_TIME_STAMP.match(text):
        raise ValueError(f"not an XML Schema dateTimeStamp: {text!r}")
    return datetime.fromisoformat(text)


def format_date_time(moment: datetime) -> str:
    """Format an aware datetime as UTC to the second, e.g. ``2025-01-31T08:00:00Z``."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no defined instant")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
