"""The coding API answers a click with the same fields as the segment serializer."""

from __future__ import annotations

import pytest
from django.test import Client

from buoy.access import services as access_services
from buoy.coding import services
from buoy.coding.api import SegmentSerializer
from buoy.coding.models import CodedSegment

pytestmark = pytest.mark.django_db


def test_applying_a_code_answers_with_the_segments_fields(rita_researcher) -> None:
    study = services.start_project(actor=rita_researcher, name="API study")
    transcript = services.import_transcript(
        actor=rita_researcher, project=study, filename="", pasted="妈妈：我们借了三十万。"
    )
    key = access_services.issue_api_token(actor=None, user=rita_researcher)
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    code = study.codes.get(label="R-ECO-01")
    response = client.post(
        f"/api/v1/coding/transcripts/{transcript.pk}/segments/",
        {"codes": [code.pk], "start": 3, "end": 10},
        content_type="application/json",
    )
    assert response.status_code == 201
    segment = CodedSegment.objects.get()
    assert response.json() == [SegmentSerializer(segment).data]
    assert transcript.text[segment.start : segment.end] == "我们借了三十万"


def test_a_bad_selection_is_refused_with_its_reason(rita_researcher) -> None:
    study = services.start_project(actor=rita_researcher, name="API study")
    transcript = services.import_transcript(
        actor=rita_researcher, project=study, filename="", pasted="short"
    )
    key = access_services.issue_api_token(actor=None, user=rita_researcher)
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.post(
        f"/api/v1/coding/transcripts/{transcript.pk}/segments/",
        {"codes": [study.codes.get(label="R-ECO-01").pk], "start": 2, "end": 99},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "outside the transcript" in response.content.decode()
    assert CodedSegment.objects.count() == 0
