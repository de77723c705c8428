"""Form error messages that say which field is at fault, for errors shown away from the field
(a message at the top of the page, a screen reader's list of errors), and a service's refusals
shown on the form that asked for it."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .domain_errors import WorkflowError


@contextmanager
def refusals_shown(form: forms.BaseForm) -> Iterator[None]:
    """Around the service call of a valid form: the service's refusals become the form's errors
    (a field's on that field where the form has it, the rest above the form), so the page shows
    them beside what was typed; the caller goes on when ``form.errors`` is empty."""
    try:
        yield
    except WorkflowError as error:
        form.add_error(None, error.message)
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            form.add_error(None, error.messages)
            return
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)


def period_checked(start: date | None, end: date | None) -> None:
    """A filter's period (either end may be open): within the dates the platform can hold
    records for (from 2000 to a year ahead: a day past the last would not fit a date), in
    order. Raises the form's error."""
    earliest, latest = date(2000, 1, 1), timezone.localdate() + timedelta(days=366)
    for day in (start, end):
        if day is not None and not earliest <= day <= latest:
            raise ValidationError(
                _("Choose dates between %(earliest)s and %(latest)s.")
                % {"earliest": earliest.isoformat(), "latest": latest.isoformat()}
            )
    if start and end and start > end:
        raise ValidationError(_("The period ends before it starts."))


def length_errors_named(form: forms.BaseForm) -> None:
    """A too-long value's error names the field and its limit (Django's says neither field nor
    which value): "“Product name” is too long: at most 200 characters (it has 230)"."""
    for field in form.fields.values():
        limit = getattr(field, "max_length", None)
        if not limit:
            continue
        label = capfirst(str(field.label or "")).replace("%", "%%")
        # %(show_value)d is filled in by the validator when the error is raised.
        field.error_messages["max_length"] = _(
            "“%(field)s” is too long: at most %(limit)d characters (it has %%(show_value)d)."
        ) % {"field": label, "limit": limit}


if TYPE_CHECKING:
    _Form = forms.BaseForm
else:
    _Form = object


class LengthErrorsNamed(_Form):
    """Form mixin applying `length_errors_named`."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        length_errors_named(self)
