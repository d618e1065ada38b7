"""Form plumbing shared by every app."""

from __future__ import annotations

from django import forms

from buoy.core.errors import InvalidInput


def add_service_errors(form: forms.BaseForm, error: InvalidInput) -> None:
    """Show a service's refusal on the form, beside the field it names where the form has it."""
    for field, field_messages in error.errors.items():
        target = field if field in form.fields else None
        for message in field_messages:
            form.add_error(target, message)
