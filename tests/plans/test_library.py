"""The technique library as installed from the shipped file (idempotent, versioned, the
department's edits kept) and the resource directory, kept by supervisors and
administrators."""

from __future__ import annotations

from typing import Any

import pytest

from buoy.access.models import User
from buoy.audit.models import AuditEvent
from buoy.core.errors import Forbidden, InvalidInput, NotFound
from buoy.plans.domain.techniques import bundled_techniques
from buoy.plans.models import Resource, Technique
from buoy.plans.selectors import (
    get_resource_for,
    get_technique_for,
    resources_visible_to,
    techniques_offered,
    techniques_visible_to,
)
from buoy.plans.services import (
    add_resource,
    add_technique,
    install_techniques,
    update_resource,
    update_technique,
)

pytestmark = pytest.mark.django_db


def test_the_shipped_library_is_installed_after_migrate_in_its_order() -> None:
    shipped = bundled_techniques()
    rows = list(Technique.objects.all())
    assert [t.code for t in rows] == list(shipped.ids)
    eco_map = Technique.objects.get(code="eco-map")
    expected = shipped.technique("eco-map")
    assert (eco_map.name_en, eco_map.name_zh) == (expected.name["en"], expected.name["zh-hans"])
    assert eco_map.abilities == list(expected.abilities)
    assert eco_map.factors == list(expected.factors)
    assert (eco_map.library_version, eco_map.origin, eco_map.active) == ("1", "bundled", True)


def test_installing_again_changes_nothing() -> None:
    events = AuditEvent.objects.count()
    assert install_techniques() == 0
    assert AuditEvent.objects.count() == events


def test_a_newer_shipped_version_updates_what_the_department_has_not_edited(
    carol_supervisor: User,
) -> None:
    # Pretend both rows came from an older shipped version.
    Technique.objects.filter(code__in=["eco-map", "advocacy"]).update(
        library_version="0", name_en="Old name"
    )
    update_technique(
        actor=carol_supervisor,
        technique=Technique.objects.get(code="advocacy"),
        changes={"name_en": "Advocacy with the hospital"},
    )
    assert install_techniques() == 1
    assert Technique.objects.get(code="eco-map").name_en == "Eco-map and resource map"
    assert Technique.objects.get(code="advocacy").name_en == "Advocacy with the hospital"
    event = AuditEvent.objects.filter(action="plans.technique.installed").order_by("pk").last()
    assert event is not None
    assert event.context == {"version": "1"}


@pytest.mark.parametrize("persona", ["carol_supervisor", "adam_admin"])
def test_supervisors_and_administrators_keep_the_library(
    personas: dict[str, User], persona: str
) -> None:
    keeper = personas[persona]
    technique = update_technique(
        actor=keeper,
        technique=Technique.objects.get(code="respite-planning"),
        changes={"active": False, "abilities": ["C", "A"]},
    )
    assert (technique.active, technique.origin, technique.updated_by) == (False, "edited", keeper)
    assert "respite-planning" not in set(techniques_offered().values_list("code", flat=True))
    event = AuditEvent.objects.get(action="plans.technique.updated")
    assert event.changed_fields == ["abilities", "active"]
    own = add_technique(
        actor=keeper,
        code="family-meeting",
        fields={
            "name_en": "Family meeting",
            "name_zh": "家庭会议",
            "description_en": "All carers around one table.",
            "description_zh": "所有照顾者坐在一起。",
            "abilities": ["A"],
            "factors": ["R-FAM-04"],
            "sources": ["Department practice"],
        },
    )
    assert list(techniques_visible_to(keeper))[-1] == own


@pytest.mark.parametrize("persona", ["alice_worker", "rita_researcher"])
def test_workers_and_researchers_read_the_library_but_do_not_keep_it(
    personas: dict[str, User], persona: str
) -> None:
    user = personas[persona]
    assert get_technique_for(user, "eco-map").code == "eco-map"
    assert techniques_visible_to(user).count() == len(bundled_techniques().ids)
    with pytest.raises(Forbidden):
        update_technique(actor=user, technique=Technique.objects.get(code="eco-map"), changes={})
    with pytest.raises(Forbidden):
        add_technique(actor=user, code="mine", fields={})
    with pytest.raises(NotFound):
        get_technique_for(user, "no-such-technique")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"abilities": ["D"]}, "abilities"),
        ({"abilities": []}, "abilities"),
        ({"factors": ["P-IND-99"]}, "factors"),
        ({"name_en": "  "}, "name_en"),
        ({"sources": []}, "sources"),
        ({"active": "no"}, "active"),
        ({"code": "x"}, "code"),
    ],
)
def test_a_bad_edit_of_a_technique_is_refused_on_its_field(
    carol_supervisor: User, changes: dict[str, Any], field: str
) -> None:
    technique = Technique.objects.get(code="eco-map")
    with pytest.raises(InvalidInput) as refusal:
        update_technique(actor=carol_supervisor, technique=technique, changes=changes)
    assert list(refusal.value.errors) == [field]
    assert Technique.objects.get(code="eco-map").origin == "bundled"


@pytest.mark.parametrize("code", ["Eco Map", "eco-map"])
def test_a_new_technique_needs_a_new_stable_id(carol_supervisor: User, code: str) -> None:
    fields = {
        "name_en": "Mine",
        "name_zh": "我的",
        "description_en": "d",
        "description_zh": "d",
        "abilities": ["A"],
        "sources": ["s"],
    }
    with pytest.raises(InvalidInput) as refusal:
        add_technique(actor=carol_supervisor, code=code, fields=fields)
    assert list(refusal.value.errors) == ["code"]


# --- the resource directory -----------------------------------------------------------------


@pytest.mark.parametrize("persona", ["carol_supervisor", "adam_admin"])
def test_supervisors_and_administrators_keep_the_resource_directory(
    personas: dict[str, User], persona: str
) -> None:
    keeper = personas[persona]
    fund = add_resource(
        actor=keeper,
        name="儿童大病救助基金",
        kind="charity_fund",
        contact="400-000-0000",
        eligibility="Children under 18 with leukaemia",
        languages=["zh-hans", "en", "zh-hans"],
    )
    assert fund.languages == ["zh-hans", "en"]
    update_resource(actor=keeper, resource=fund, changes={"active": False})
    assert not Resource.objects.get(pk=fund.pk).active
    actions = list(
        AuditEvent.objects.filter(action__startswith="plans.resource")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["plans.resource.added", "plans.resource.updated"]


def test_workers_read_the_directory_researchers_do_not_and_neither_keeps_it(
    alice_worker: User, rita_researcher: User, carol_supervisor: User
) -> None:
    fund = add_resource(actor=carol_supervisor, name="Fund", kind="charity_fund")
    add_resource(actor=carol_supervisor, name="Old lodging", kind="lodging", active=False)
    assert list(resources_visible_to(alice_worker, kind="charity_fund")) == [fund]
    assert resources_visible_to(alice_worker, offered_only=True).count() == 1
    assert get_resource_for(alice_worker, fund.pk) == fund
    assert not resources_visible_to(rita_researcher).exists()
    with pytest.raises(NotFound):
        get_resource_for(rita_researcher, fund.pk)
    for user in (alice_worker, rita_researcher):
        with pytest.raises(Forbidden):
            add_resource(actor=user, name="Mine", kind="lodging")
        with pytest.raises(Forbidden):
            update_resource(actor=user, resource=fund, changes={"active": False})


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"kind": "restaurant"}, "kind"),
        ({"name": " "}, "name"),
        ({"languages": [""]}, "languages"),
    ],
)
def test_a_bad_resource_is_refused_on_its_field(
    carol_supervisor: User, given: dict[str, Any], field: str
) -> None:
    values: dict[str, Any] = {"name": "Fund", "kind": "charity_fund", **given}
    with pytest.raises(InvalidInput) as refusal:
        add_resource(actor=carol_supervisor, **values)
    assert list(refusal.value.errors) == [field]
    assert not Resource.objects.exists()
