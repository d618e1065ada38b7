"""`{{ text_map|in_language }}`: a {"en": …, "zh-hans": …} map shown in the active language."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def in_language(value: Any) -> str:
    """The entry for the active language, else English, else any, else empty."""
    if not value:
        return ""
    if isinstance(value, str):
        return value
    key = "zh-hans" if (get_language() or "en").lower().startswith("zh") else "en"
    return str(value.get(key) or value.get("en") or next(iter(value.values()), ""))
