from allauth.account.forms import LoginForm
from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from .models import Role


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    agency = forms.ModelChoiceField(queryset=None, label=_("Agency"), required=False)
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, agencies, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        self.fields["role"].choices = [(r.value, r.label) for r in roles]
        # A focal point invites for their own agency only: nothing to choose.
        self.fixed_agency = agencies[0] if len(agencies) == 1 else None
        if self.fixed_agency is not None:
            del self.fields["agency"]

    def clean(self):
        data = super().clean()
        if self.fixed_agency is not None:
            data["agency"] = self.fixed_agency
        if data.get("role") and data["role"] != Role.SECRETARIAT and not data.get("agency"):
            self.add_error("agency", _("Choose the agency this person works for."))
        return data


class RoleForm(forms.Form):
    """One person's role, as a row of the People page: ids carry the person's pk so that
    every row's select has its own label."""

    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, person, roles, **kwargs):
        kwargs.setdefault("auto_id", f"id_%s_{person.pk}")
        kwargs.setdefault("initial", {"role": person.role})
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.value, r.label) for r in roles]


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters and hard to guess: a few unrelated words work well."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email, **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            from .models import User

            try:
                password_validation.validate_password(
                    p1, User(email=self.email, full_name=data.get("full_name", ""))
                )
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class SignInForm(LoginForm):
    """allauth's sign-in form, telling the page when the password is being throttled, so it
    can offer the way in that still works: a code sent by email."""

    @property
    def password_throttled(self):
        return any(
            error.code == "too_many_login_attempts" for error in self.non_field_errors().as_data()
        )
