"""Where a founded complaint hands work to other parts of the platform.

`complaint_special_surveillance_requested` is the one place a special surveillance is asked
for. The surveillance service (certificate life after issuance) is not part of this module;
until it is, the request is recorded on the complaint (its action and a ComplaintEvent) and this
hook does nothing more. Connect it to the surveillance service here, and only here.
"""

from .models import Complaint


def complaint_special_surveillance_requested(complaint: Complaint) -> None:
    """Called inside the decision's transaction, after the request was recorded."""
    return None
