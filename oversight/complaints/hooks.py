"""Where a founded complaint hands work to other parts of the platform."""

from oversight.complaints.models import Complaint


def complaint_special_surveillance_requested(complaint: Complaint) -> None:
    """Called inside the decision's transaction, after the request was recorded: a special
    surveillance of the certificate, ordered by the platform on the handler's decision (the
    complaint service checked who may decide)."""
    from oversight.supervision.services import surveillance_special_open

    surveillance_special_open(
        actor=None,
        certificate=complaint.certificate,
        reason=f"{complaint.reference}: {complaint.decision_reason}",
    )
