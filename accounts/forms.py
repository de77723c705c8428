from typing import cast

from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from config.forms import LengthErrorsNamed

from .identifiers import uscc_normalize, validate_uscc
from .models import Organisation, Province, User
from .roles import ROLES_BY_KIND, Role
from .selectors import registrations_expired


class EnterpriseRegistrationForm(LengthErrorsNamed, forms.Form):
    name = forms.CharField(label=_("Enterprise name"), max_length=200)
    legal_name = forms.CharField(label=_("Legal name"), max_length=200)
    uscc = forms.CharField(
        label=_("Unified Social Credit Code"), max_length=22, validators=[validate_uscc]
    )
    address = forms.CharField(label=_("Address"), max_length=300)
    province = forms.ChoiceField(label=_("Province"), choices=Province.choices)
    display_name = forms.CharField(label=_("Your name"), max_length=150)
    username = forms.CharField(label=_("User name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"))
    # Kept in the field when another field has an error, so the person does not retype it;
    # never when the password itself was refused.
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(render_value=True))

    def clean_uscc(self) -> str:
        uscc = uscc_normalize(self.cleaned_data["uscc"])
        expired = registrations_expired()
        if Organisation.objects.filter(uscc=uscc).exclude(memberships__user__in=expired).exists():
            raise forms.ValidationError(_("An enterprise with this code is already registered."))
        return uscc

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        expired = registrations_expired()
        if User.objects.filter(username__iexact=username).exclude(pk__in=expired).exists():
            raise forms.ValidationError(_("This user name is taken."))
        return username

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        expired = registrations_expired()
        if User.objects.filter(email__iexact=email).exclude(pk__in=expired).exists():
            raise forms.ValidationError(_("This e-mail address is already registered."))
        return email

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        if data.get("password"):
            candidate = User(username=data.get("username", ""), email=data.get("email", ""))
            try:
                validate_password(data["password"], candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        if self.has_error("password"):
            self.fields["password"].widget.render_value = False
        return data


class RegistrationResendForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), max_length=254)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), max_length=254)  # as the accounts keep it
    role = forms.ChoiceField(label=_("Role"))
    language = forms.ChoiceField(
        label=_("Language of the invitation"),
        choices=settings.LANGUAGES,
        help_text=_("A person who already has an account is written to in their own language."),
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = ROLES_BY_KIND[organisation.kind]
        cast(forms.ChoiceField, self.fields["role"]).choices = [
            (r.value, r.label) for r in Role if r in allowed
        ]
        self.fields["language"].initial = translation.get_language()


class InvitationAcceptForm(LengthErrorsNamed, forms.Form):
    display_name = forms.CharField(label=_("Your name"), max_length=150)
    username = forms.CharField(label=_("User name"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        expired = registrations_expired()
        if User.objects.filter(username__iexact=username).exclude(pk__in=expired).exists():
            raise forms.ValidationError(_("This user name is taken."))
        return username

    def clean_password(self) -> str:
        validate_password(self.cleaned_data["password"])
        return self.cleaned_data["password"]


class ApiKeyForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Marketplace"), queryset=Organisation.objects.none()
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    scopes = forms.MultipleChoiceField(label=_("Scopes"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, marketplaces: list[Organisation], **kwargs):
        from .roles import ApiScope

        super().__init__(*args, **kwargs)
        cast(
            forms.ModelChoiceField, self.fields["organisation"]
        ).queryset = Organisation.objects.filter(pk__in=[m.pk for m in marketplaces])
        self.fields["organisation"].initial = marketplaces[0].pk if marketplaces else None
        cast(forms.MultipleChoiceField, self.fields["scopes"]).choices = ApiScope.choices
        self.fields["scopes"].initial = [ApiScope.LABELS_READ]


class LanguagePreferenceForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language of notifications and e-mails"),
        choices=[("", _("The language I use the portal in")), *settings.LANGUAGES],
        required=False,
    )
