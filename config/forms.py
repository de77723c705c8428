"""Form error messages that say which field is at fault, for errors shown away from the field
(a message at the top of the page, a screen reader's list of errors)."""

from typing import TYPE_CHECKING

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext as _


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
