"""What the complainant is told, shared by the services, the e-mail task and the pages."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from oversight.complaints.models import Complaint, ComplaintOutcome


def contact_email(contact: str) -> str:
    """The contact given, if it is an e-mail address (it may be a phone number)."""
    try:
        validate_email(contact.strip())
    except ValidationError:
        return ""
    return contact.strip()


def outcome_text(complaint: Complaint) -> str:
    """What the complainant is told, in the active language."""
    if complaint.outcome == ComplaintOutcome.UNFOUNDED:
        text = _("The certification body found your complaint unfounded.")
    else:
        text = _(
            "The certification body found your complaint founded and decided: %(actions)s."
        ) % {"actions": "; ".join(complaint.action_labels())}
    return text + "\n\n" + _("Reasons: %(reason)s") % {"reason": complaint.decision_reason}
