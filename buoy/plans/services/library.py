"""The technique library and the resource directory, kept by supervisors and administrators.

The shipped library (library/techniques_v<version>.json, `domain/techniques.py`) is installed
by `install_techniques`, after every migrate: a technique the database lacks is added; one
installed from an older shipped version is brought up to the newer one, unless the department
has edited it. So installing twice changes nothing, and a department's own text is never
overwritten.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buoy.access.domain.roles import can_keep_resource_directory, can_keep_technique_library
from buoy.access.models import User
from buoy.audit.services import record
from buoy.coding.services import casework_project
from buoy.core.errors import Forbidden, InvalidInput
from buoy.plans.domain import library_format
from buoy.plans.domain.abilities import ABILITIES
from buoy.plans.domain.resources import RESOURCE_KINDS
from buoy.plans.domain.techniques import Technique as ShippedTechnique
from buoy.plans.domain.techniques import bundled_techniques
from buoy.plans.models import Resource, Technique, TechniqueOrigin
from buoy.plans.selectors.maps import codebook_factors
from buoy.plans.services._common import short_text

NAME_LIMIT = 200
TECHNIQUE_FIELDS = (
    "name_en",
    "name_zh",
    "description_en",
    "description_zh",
    "abilities",
    "factors",
    "evidence_en",
    "evidence_zh",
    "sources",
    "active",
)
REQUIRED_TEXTS = ("name_en", "name_zh", "description_en", "description_zh")
RESOURCE_FIELDS = ("name", "kind", "contact", "eligibility", "languages", "active")
LANGUAGE_LIMIT = 40


# --- the shipped library --------------------------------------------------------------------


def _shipped_fields(technique: ShippedTechnique) -> dict[str, Any]:
    return {
        "name_en": technique.name["en"],
        "name_zh": technique.name["zh-hans"],
        "description_en": technique.description["en"],
        "description_zh": technique.description["zh-hans"],
        "abilities": list(technique.abilities),
        "factors": list(technique.factors),
        "evidence_en": technique.evidence["en"],
        "evidence_zh": technique.evidence["zh-hans"],
        "sources": list(technique.sources),
        "active": technique.active,
    }


@transaction.atomic
def install_techniques(*, version: str | None = None) -> int:
    """Install the shipped technique library (the latest version, or the one asked for);
    returns how many techniques were added or brought up to that version.

    A technique already installed from that version or a newer one, or edited by the
    department, is left alone. Each change is audited (`plans.technique.installed`).
    """
    library = bundled_techniques(version=version)
    installed = {t.code: t for t in Technique.objects.all()}
    changed = 0
    for position, shipped in enumerate(library.techniques):
        row = installed.get(shipped.id)
        if row is None:
            row = Technique(code=shipped.id)
        elif row.origin != TechniqueOrigin.BUNDLED or int(row.library_version) >= int(
            library.version
        ):
            continue
        for name, value in _shipped_fields(shipped).items():
            setattr(row, name, value)
        row.library_version = library.version
        row.position = position
        row.updated_at = timezone.now()
        row.save()
        record(
            actor=None,
            action="plans.technique.installed",
            subject=row,
            context={"version": library.version},
        )
        changed += 1
    return changed


# --- the department's edits -----------------------------------------------------------------


def _require(actor: User, rule: Any) -> None:
    if not rule(actor.role_enum):
        raise Forbidden()


def _choices_list(
    value: Any, allowed: Iterable[str], *, field: str, errors: dict[str, list[str]], message: str
) -> list[str]:
    allowed = set(allowed)
    if not isinstance(value, list | tuple) or any(v not in allowed for v in value):
        errors[field] = [message]
        return []
    return list(dict.fromkeys(value))


def _checked_technique(changes: Mapping[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    checked: dict[str, Any] = {}
    for name in sorted(set(changes) - set(TECHNIQUE_FIELDS)):
        errors[name] = [_("This field cannot be changed here.")]
    for name, value in changes.items():
        if name == "abilities":
            checked[name] = _choices_list(
                value,
                ABILITIES,
                field=name,
                errors=errors,
                message=_("Choose the abilities from A, B and C."),
            )
            if not checked[name] and name not in errors:
                errors[name] = [_("Choose at least one ability.")]
        elif name == "factors":
            known = codebook_factors(casework_project())
            checked[name] = _choices_list(
                value,
                known,
                field=name,
                errors=errors,
                message=_("Choose factors of the casework codebook."),
            )
        elif name == "sources":
            if not isinstance(value, list | tuple) or not value:
                errors[name] = [_("Name at least one source.")]
                continue
            checked[name] = [
                short_text(v, field=name, errors=errors, limit=NAME_LIMIT * 5) for v in value
            ]
            if not all(checked[name]) and name not in errors:
                errors[name] = [_("A source cannot be empty.")]
        elif name == "active":
            if not isinstance(value, bool):
                errors[name] = [_("Say whether the technique is offered.")]
            checked[name] = value
        elif name in TECHNIQUE_FIELDS:
            limit = NAME_LIMIT if name.startswith("name") else None
            checked[name] = short_text(value, field=name, errors=errors, limit=limit)
            if name in REQUIRED_TEXTS and not checked[name] and name not in errors:
                errors[name] = [_("This text cannot be empty.")]
    return checked


@transaction.atomic
def add_technique(*, actor: User, code: str, fields: Mapping[str, Any]) -> Technique:
    """A technique of the department's own, after the shipped ones. Supervisors and
    administrators (`can_keep_technique_library`). `code` is a stable id (``family-meeting``)."""
    _require(actor, can_keep_technique_library)
    errors: dict[str, list[str]] = {}
    try:
        library_format.stable_id(code, "code")
    except library_format.LibraryError:
        errors["code"] = [_("Use lower-case letters and digits joined by hyphens, e.g. eco-map.")]
    else:
        if Technique.objects.filter(code=code).exists():
            errors["code"] = [_("A technique with this id exists already.")]
    given = {"abilities": [], "factors": [], "sources": [], "active": True, **fields}
    for name in (*REQUIRED_TEXTS, "evidence_en", "evidence_zh"):
        given.setdefault(name, "")
    checked = _checked_technique(given, errors)
    if errors:
        raise InvalidInput(errors)
    last = Technique.objects.order_by("-position").values_list("position", flat=True).first()
    technique = Technique.objects.create(
        code=code,
        library_version="",
        origin=TechniqueOrigin.EDITED,
        position=(last or 0) + 1,
        updated_by=actor,
        **checked,
    )
    record(actor=actor, action="plans.technique.added", subject=technique, changed_fields=checked)
    return technique


@transaction.atomic
def update_technique(*, actor: User, technique: Technique, changes: Mapping[str, Any]) -> Technique:
    """Change a technique's text, aims or whether it is offered (`active`); a withdrawn
    technique stays named by the sessions that used it. The technique counts as edited by
    the department from then on, so later shipped versions leave it alone. Supervisors and
    administrators."""
    _require(actor, can_keep_technique_library)
    errors: dict[str, list[str]] = {}
    checked = _checked_technique(changes, errors)
    if errors:
        raise InvalidInput(errors)
    changed = [name for name, value in checked.items() if getattr(technique, name) != value]
    if not changed:
        return technique
    for name in changed:
        setattr(technique, name, checked[name])
    technique.origin = TechniqueOrigin.EDITED
    technique.updated_by = actor
    technique.updated_at = timezone.now()
    technique.save()
    record(actor=actor, action="plans.technique.updated", subject=technique, changed_fields=changed)
    return technique


# --- the resource directory -----------------------------------------------------------------


def _checked_resource(changes: Mapping[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    checked: dict[str, Any] = {}
    for name in sorted(set(changes) - set(RESOURCE_FIELDS)):
        errors[name] = [_("This field cannot be changed here.")]
    for name, value in changes.items():
        if name == "name":
            checked[name] = short_text(value, field=name, errors=errors, limit=NAME_LIMIT)
            if not checked[name] and name not in errors:
                errors[name] = [_("A resource needs a name.")]
        elif name == "kind":
            if value not in RESOURCE_KINDS:
                errors[name] = [_("Choose a kind of resource from the list.")]
            checked[name] = value
        elif name == "languages":
            if not isinstance(value, list | tuple) or any(
                not isinstance(v, str) or not v.strip() or len(v) > LANGUAGE_LIMIT for v in value
            ):
                errors[name] = [_("Name each language the resource serves.")]
                continue
            checked[name] = list(dict.fromkeys(v.strip() for v in value))
        elif name == "active":
            if not isinstance(value, bool):
                errors[name] = [_("Say whether the resource is offered.")]
            checked[name] = value
        elif name in RESOURCE_FIELDS:
            checked[name] = short_text(value, field=name, errors=errors)
    return checked


@transaction.atomic
def add_resource(
    *,
    actor: User,
    name: str,
    kind: str,
    contact: str = "",
    eligibility: str = "",
    languages: Iterable[str] = (),
    active: bool = True,
) -> Resource:
    """A new entry of the department's resource directory. Supervisors and administrators
    (`can_keep_resource_directory`)."""
    _require(actor, can_keep_resource_directory)
    errors: dict[str, list[str]] = {}
    checked = _checked_resource(
        {
            "name": name,
            "kind": kind,
            "contact": contact,
            "eligibility": eligibility,
            "languages": list(languages),
            "active": active,
        },
        errors,
    )
    if errors:
        raise InvalidInput(errors)
    resource = Resource.objects.create(updated_by=actor, **checked)
    record(actor=actor, action="plans.resource.added", subject=resource, changed_fields=checked)
    return resource


@transaction.atomic
def update_resource(*, actor: User, resource: Resource, changes: Mapping[str, Any]) -> Resource:
    """Change an entry of the directory, or stop offering it (`active=False`: referrals made
    to it stay as they were). Supervisors and administrators."""
    _require(actor, can_keep_resource_directory)
    errors: dict[str, list[str]] = {}
    checked = _checked_resource(changes, errors)
    if errors:
        raise InvalidInput(errors)
    changed = [name for name, value in checked.items() if getattr(resource, name) != value]
    if changed:
        for name in changed:
            setattr(resource, name, checked[name])
        resource.updated_by = actor
        resource.updated_at = timezone.now()
        resource.save()
        record(
            actor=actor, action="plans.resource.updated", subject=resource, changed_fields=changed
        )
    return resource
