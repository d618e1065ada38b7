"""The technique library and resource directory pages, through the real URLs and database:
who reads and who keeps them, the library in the page's language, adding, editing and
withdrawing, and bad input refused on its field with nothing saved."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from buoy.access.models import User
from buoy.plans.models import Resource, Technique, TechniqueOrigin
from buoy.plans.services import add_resource
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db

CHINESE = "zh-CN,zh;q=0.9"


def technique_form(**overrides: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "code": "family-meeting",
        "name_en": "Family meeting",
        "name_zh": "家庭会议",
        "description_en": "The worker meets the whole family to share out the care.",
        "description_zh": "社工与全家一起商量照顾的分工。",
        "abilities": ["A", "B"],
        "factors": ["P-FAM-04"],
        "evidence_en": "Family-centred care improves coping.",
        "evidence_zh": "以家庭为中心的照护有助于应对。",
        "sources": "Walsh F. Strengthening family resilience. 2016.\n\nSecond source",
        "active": "on",
    }
    form.update(overrides)
    return form


# --- the technique library -------------------------------------------------------------------


def test_every_role_reads_the_library_in_the_pages_language(
    alice_worker: User, rita_researcher: User
) -> None:
    eco_map = Technique.objects.get(code="eco-map")
    english = logged_in(rita_researcher).get(reverse("plans:technique_list"))
    assert english.status_code == 200
    html = english.content.decode()
    assert eco_map.name_en in html
    assert eco_map.evidence_en[:40] in html
    assert eco_map.sources[0] in html
    assert "Edit" not in html  # a reader does not keep the library
    chinese = logged_in(alice_worker).get(
        reverse("plans:technique_list"), HTTP_ACCEPT_LANGUAGE=CHINESE
    )
    text = chinese.content.decode()
    assert eco_map.name_zh in text
    assert eco_map.description_zh[:20] in text
    assert eco_map.name_en not in text
    row = next(r for r in chinese.context["rows"] if r["technique"] == eco_map)
    assert row["factors"]
    assert all(name for _label, name in row["factors"])  # each factor named, not only its id


def test_a_supervisor_adds_a_technique_that_workers_can_then_use(
    carol_supervisor: User, alice_worker: User, alice_case: Any
) -> None:
    response = logged_in(carol_supervisor).post(reverse("plans:technique_new"), technique_form())
    assert response.status_code == 302
    added = Technique.objects.get(code="family-meeting")
    assert added.origin == TechniqueOrigin.EDITED
    assert added.abilities == ["A", "B"]
    assert added.factors == ["P-FAM-04"]
    assert added.sources == ["Walsh F. Strengthening family resilience. 2016.", "Second source"]
    assert added.active is True
    form = logged_in(alice_worker).get(reverse("plans:session_new", args=[alice_case.pk]))
    assert added.pk in dict(form.context["form"].fields["techniques"].choices)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"code": "Family Meeting"}, "code", "Use lower-case letters and digits"),
        ({"code": "eco-map"}, "code", "A technique with this id exists already."),
        ({"name_zh": ""}, "name_zh", "This text cannot be empty."),
        ({"abilities": []}, "abilities", "Choose at least one ability."),
        ({"abilities": ["D"]}, "abilities", "Choose the abilities from A, B and C."),
        ({"factors": ["X-NOT-99"]}, "factors", "Choose factors of the casework codebook."),
        ({"sources": ""}, "sources", "Name at least one source."),
    ],
)
def test_a_bad_technique_is_refused_on_its_field_and_nothing_is_saved(
    carol_supervisor: User, overrides: dict[str, Any], field: str, message: str
) -> None:
    before = Technique.objects.count()
    response = logged_in(carol_supervisor).post(
        reverse("plans:technique_new"), technique_form(**overrides)
    )
    assert response.status_code == 200
    assert Technique.objects.count() == before
    assert any(message in e for e in response.context["form"].errors[field])
    assert "社工与全家一起商量照顾的分工。" in response.content.decode()


def test_a_keeper_edits_a_shipped_technique_and_it_counts_as_the_departments(
    adam_admin: User,
) -> None:
    eco_map = Technique.objects.get(code="eco-map")
    client = logged_in(adam_admin)
    form = client.get(reverse("plans:technique_edit", args=[eco_map.pk])).context["form"]
    assert "code" not in form.fields
    assert form.initial["sources"] == "\n".join(eco_map.sources)
    data = {
        name: value
        for name, value in technique_form(name_en="Eco-map (family version)").items()
        if name != "code"
    }
    data.update(
        description_en=eco_map.description_en,
        description_zh=eco_map.description_zh,
        abilities=eco_map.abilities,
        factors=eco_map.factors,
    )
    response = client.post(reverse("plans:technique_edit", args=[eco_map.pk]), data)
    assert response.status_code == 302
    eco_map.refresh_from_db()
    assert eco_map.name_en == "Eco-map (family version)"
    assert eco_map.origin == TechniqueOrigin.EDITED
    refused = client.post(
        reverse("plans:technique_edit", args=[eco_map.pk]), {**data, "name_en": ""}
    )
    assert refused.context["form"].errors["name_en"] == ["This text cannot be empty."]
    eco_map.refresh_from_db()
    assert eco_map.name_en == "Eco-map (family version)"


def test_a_keeper_withdraws_a_technique_and_offers_it_again(
    carol_supervisor: User, alice_worker: User
) -> None:
    eco_map = Technique.objects.get(code="eco-map")
    client = logged_in(carol_supervisor)
    url = reverse("plans:technique_offer", args=[eco_map.pk])
    assert client.post(url, {"active": "false"}).status_code == 302
    eco_map.refresh_from_db()
    assert eco_map.active is False
    listed = client.get(reverse("plans:technique_list")).content.decode()
    assert "Offer again" in listed
    assert client.post(url, {"active": "maybe"}).status_code == 302
    eco_map.refresh_from_db()
    assert eco_map.active is False
    client.post(url, {"active": "true"})
    eco_map.refresh_from_db()
    assert eco_map.active is True
    # a worker may not withdraw it
    assert logged_in(alice_worker).post(url, {"active": "false"}).status_code == 403
    eco_map.refresh_from_db()
    assert eco_map.active is True


def test_workers_and_researchers_do_not_keep_the_library(
    alice_worker: User, rita_researcher: User
) -> None:
    eco_map = Technique.objects.get(code="eco-map")
    for user in (alice_worker, rita_researcher):
        client = logged_in(user)
        assert client.post(reverse("plans:technique_new"), technique_form()).status_code == 403
        edit = client.post(reverse("plans:technique_edit", args=[eco_map.pk]), technique_form())
        assert edit.status_code == 403
    assert not Technique.objects.filter(code="family-meeting").exists()
    assert logged_in(alice_worker).get(reverse("plans:technique_edit", args=[0])).status_code == 403


def test_a_missing_technique_or_resource_is_not_found(carol_supervisor: User) -> None:
    client = logged_in(carol_supervisor)
    assert client.get(reverse("plans:technique_edit", args=[999999])).status_code == 404
    assert client.get(reverse("plans:resource_edit", args=[999999])).status_code == 404


# --- the resource directory --------------------------------------------------------------------


def resource_form(**overrides: Any) -> dict[str, Any]:
    form = {
        "name": "爱心小家",
        "kind": "lodging",
        "contact": "医院东门对面，电话 010-87654321",
        "eligibility": "外地来京治疗的家庭",
        "languages": "普通话、English, 粤语",
        "active": "on",
    }
    form.update(overrides)
    return form


def test_a_supervisor_adds_and_edits_a_resource(carol_supervisor: User) -> None:
    client = logged_in(carol_supervisor)
    response = client.post(reverse("plans:resource_new"), resource_form())
    assert response.status_code == 302
    resource = Resource.objects.get()
    assert resource.languages == ["普通话", "English", "粤语"]
    assert resource.kind == "lodging"
    form = client.get(reverse("plans:resource_edit", args=[resource.pk])).context["form"]
    assert form.initial["languages"] == "普通话, English, 粤语"
    # unticking "offered" withdraws it
    changed = resource_form(eligibility="所有住院家庭")
    del changed["active"]
    client.post(reverse("plans:resource_edit", args=[resource.pk]), changed)
    resource.refresh_from_db()
    assert resource.eligibility == "所有住院家庭"
    assert resource.active is False
    listed = client.get(reverse("plans:resource_list")).content.decode()
    assert "所有住院家庭" in listed
    assert "No longer offered" in listed


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "A resource needs a name."),
        ({"name": "x" * 201}, "name", "Keep this to 200 characters"),
        ({"kind": "casino"}, "kind", "Choose a kind of resource from the list."),
        ({"languages": "普通话, " + "x" * 41}, "languages", "Name each language"),
    ],
)
def test_a_bad_resource_is_refused_on_its_field_and_nothing_is_saved(
    carol_supervisor: User, overrides: dict[str, Any], field: str, message: str
) -> None:
    response = logged_in(carol_supervisor).post(
        reverse("plans:resource_new"), resource_form(**overrides)
    )
    assert response.status_code == 200
    assert not Resource.objects.exists()
    assert any(message in e for e in response.context["form"].errors[field])
    assert "外地来京治疗的家庭" in response.content.decode()


def test_case_staff_read_the_directory_by_kind_and_researchers_do_not(
    alice_worker: User, carol_supervisor: User, rita_researcher: User
) -> None:
    fund = add_resource(actor=carol_supervisor, name="Children's fund", kind="charity_fund")
    add_resource(actor=carol_supervisor, name="Lodging", kind="lodging")
    client = logged_in(alice_worker)
    everything = client.get(reverse("plans:resource_list"))
    assert len(everything.context["resources"]) == 2
    assert reverse("plans:resource_new") not in everything.content.decode()
    funds = client.get(reverse("plans:resource_list"), {"kind": "charity_fund"})
    assert list(funds.context["resources"]) == [fund]
    assert client.get(reverse("plans:resource_list"), {"kind": "nonsense"}).status_code == 200
    assert client.post(reverse("plans:resource_new"), resource_form()).status_code == 403
    edit = client.post(reverse("plans:resource_edit", args=[fund.pk]), resource_form())
    assert edit.status_code == 403
    fund.refresh_from_db()
    assert fund.name == "Children's fund"
    assert logged_in(rita_researcher).get(reverse("plans:resource_list")).status_code == 403
