"""Portal forms: an endpoint, and the marketplaces a holder pushes a label to."""

import re
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation

from .models import EventType
from .validation import endpoint_url_validate, event_types_clean, gtins_clean


class WebhookEndpointForm(forms.Form):
    marketplace = forms.ModelChoiceField(
        label=_("Marketplace"), queryset=Organisation.objects.none()
    )
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        help_text=_("Where we POST the events, e.g. https://example.com/carbon-label/webhooks."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label=_("Events"),
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=EventType.values,
    )
    gtins = forms.CharField(
        label=_("Only these GTINs"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One GTIN per line. Leave empty to receive the events of every product."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, marketplaces: list[Organisation] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if marketplaces is None:  # editing: the marketplace of an endpoint does not change
            del self.fields["marketplace"]
            return
        field = cast(forms.ModelChoiceField, self.fields["marketplace"])
        field.queryset = Organisation.objects.filter(pk__in=[m.pk for m in marketplaces])
        if len(marketplaces) == 1:
            field.initial = marketplaces[0].pk
            field.widget = forms.HiddenInput()

    def clean_url(self) -> str:
        return endpoint_url_validate(self.cleaned_data["url"])

    def clean_event_types(self) -> list[str]:
        return event_types_clean(self.cleaned_data["event_types"])

    def clean_gtins(self) -> list[str]:
        return gtins_clean(re.split(r"[\s,;]+", self.cleaned_data["gtins"]))


class LabelPushForm(forms.Form):
    marketplaces = forms.ModelMultipleChoiceField(
        label=_("Marketplaces to notify"),
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, marketplaces: list[Organisation], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelMultipleChoiceField, self.fields["marketplaces"])
        field.queryset = Organisation.objects.filter(pk__in=[m.pk for m in marketplaces])
