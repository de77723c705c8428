"""A service's refusals shown on the form that asked for it (config.forms.refusals_shown)."""

import pytest
from django import forms
from django.core.exceptions import ValidationError

from config.domain_errors import TransitionNotAllowed
from config.forms import refusals_shown


class NameForm(forms.Form):
    name = forms.CharField()


def _valid_form() -> NameForm:
    form = NameForm({"name": "GC-ESS-20K"})
    assert form.is_valid()
    return form


def test_a_field_error_goes_to_its_field_and_the_rest_above_the_form() -> None:
    form = _valid_form()
    with refusals_shown(form):
        raise ValidationError({"name": "Taken.", "gtin": "Not a GTIN.", "__all__": "Closed."})
    assert form.errors["name"] == ["Taken."]
    assert form.non_field_errors() == ["Not a GTIN.", "Closed."]


def test_a_plain_validation_error_and_a_workflow_refusal_go_above_the_form() -> None:
    form = _valid_form()
    with refusals_shown(form):
        raise ValidationError(["First.", "Second."])
    with refusals_shown(form):
        raise TransitionNotAllowed("Not now.")
    assert form.non_field_errors() == ["First.", "Second.", "Not now."]


def test_a_call_that_succeeds_leaves_the_form_without_errors() -> None:
    form = _valid_form()
    with refusals_shown(form):
        pass
    assert not form.errors


def test_any_other_error_is_not_swallowed() -> None:
    form = _valid_form()
    with pytest.raises(KeyError), refusals_shown(form):
        raise KeyError("bug")
    assert not form.errors
