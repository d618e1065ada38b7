"""The technique library and the resource directory: what a worker chooses from. Neither
names a family, so reading them is not audited."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from buoy.access.domain.roles import can_read_resource_directory, can_read_technique_library
from buoy.access.models import User
from buoy.core.errors import NotFound
from buoy.plans.models import Resource, Technique


def _may(user: User, rule: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and rule(user.role_enum))


def techniques_visible_to(user: User) -> QuerySet[Technique]:
    """The whole library, offered or not, in the library's order (every role reads it)."""
    if not _may(user, can_read_technique_library):
        return Technique.objects.none()
    return Technique.objects.order_by("position", "code")


def techniques_offered() -> QuerySet[Technique]:
    """The techniques a worker may choose today (active), in the library's order."""
    return Technique.objects.filter(active=True).order_by("position", "code")


def get_technique_for(user: User, technique: Any) -> Technique:
    """A technique by id or by its stable code (``eco-map``); NotFound otherwise."""
    visible = techniques_visible_to(user)
    found = None
    if isinstance(technique, int) or (isinstance(technique, str) and technique.isdigit()):
        found = visible.filter(pk=int(technique)).first()
    if found is None and isinstance(technique, str):
        found = visible.filter(code=technique).first()
    if found is None:
        raise NotFound()
    return found


def resources_visible_to(
    user: User, *, kind: str = "", offered_only: bool = False
) -> QuerySet[Resource]:
    """The department's resource directory (of one kind, if given), for case staff and the
    directory's keepers; nothing for researchers."""
    if not _may(user, can_read_resource_directory):
        return Resource.objects.none()
    resources = Resource.objects.order_by("kind", "name", "pk")
    if kind:
        resources = resources.filter(kind=kind)
    if offered_only:
        resources = resources.filter(active=True)
    return resources


def get_resource_for(user: User, resource_id: Any) -> Resource:
    """One resource of the directory; NotFound when missing or when `user` may not read it."""
    try:
        pk = int(resource_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    found = resources_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found
