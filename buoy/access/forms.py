"""Forms for the administrator's account pages."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from buoy.access.models import User, Ward


class LoginForm(AuthenticationForm):
    """The login form, with a message that does not say whether the account exists."""

    error_messages = {
        "invalid_login": _(
            "The username or password is wrong, or the account is locked after repeated "
            "failed attempts. Try again, wait %(minutes)s minutes, or ask an administrator."
        ),
        "inactive": _("This account is not active. Ask an administrator."),
    }

    def get_invalid_login_error(self) -> forms.ValidationError:
        from django.conf import settings

        return forms.ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={"minutes": settings.BUOY_LOCKOUT_MINUTES},
        )


class UserForm(forms.Form):
    """Create or edit an account."""

    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=User.ROLE_CHOICES)
    wards = forms.ModelMultipleChoiceField(
        label=_("Wards"),
        queryset=Ward.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    password = forms.CharField(
        label=_("New password"),
        required=False,
        widget=forms.PasswordInput,
        help_text=_("At least 10 characters. Leave empty to keep the current password."),
    )


class WardForm(forms.Form):
    """Create a ward."""

    code = forms.SlugField(label=_("Code"), max_length=30)
    name = forms.CharField(label=_("Name"), max_length=120)
