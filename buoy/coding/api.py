"""REST API for interviews and coding: projects, transcripts, codes, coded segments, memos,
undo, queries and exports. Same selectors and services as the coding screen, so the same
permissions and audit; one request per click, as a person codes.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from buoy.access.domain.roles import can_see_identifiable_cases
from buoy.access.models import User
from buoy.audit.services import record
from buoy.cases.selectors import get_case_for
from buoy.coding import selectors, services
from buoy.coding.models import Code, CodedSegment, Project, Transcript
from buoy.core.errors import InvalidInput, NotFound


def _user(request: Request) -> User:
    return request.user  # type: ignore[return-value]


class ProjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = Project
        fields = ["id", "name", "kind", "description", "codebook_source"]
        read_only_fields = ["id", "kind", "codebook_source"]


class CodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Code
        fields = [
            "id", "parent", "label", "name_en", "name_zh", "definition_en", "definition_zh",
            "inclusion", "exclusion", "example", "colour", "codable", "merged_into",
        ]  # fmt: skip
        read_only_fields = ["id", "merged_into"]


class SegmentSerializer(serializers.ModelSerializer):
    coder = serializers.CharField(source="coder.username", read_only=True)

    class Meta:
        model = CodedSegment
        fields = ["id", "transcript", "code", "coder", "start", "end", "origin", "created_at"]


@extend_schema_field(
    {
        "oneOf": [{"type": "integer"}, {"type": "string"}],
        "nullable": True,
        "description": "The case: its id for case staff; for researchers its pseudonym in "
        "the project (`case-1`), the one the project's tables and exports use.",
    }
)
class CaseField(serializers.Field):
    """A transcript's case as the reader may know it: the id, or the project's pseudonym.

    Researchers never get a case's real key (`case_labels` in the serializer's context maps
    (project id, case id) to the pseudonym); case staff keep the id, which opens the case.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: Transcript) -> int | str | None:
        if value.case_id is None:
            return None
        labels = self.context.get("case_labels")
        if labels is None:
            return value.case_id
        return labels.get((value.project_id, value.case_id), "")


class TranscriptSerializer(serializers.ModelSerializer):
    case = CaseField()

    class Meta:
        model = Transcript
        fields = [
            "id", "project", "case", "title", "length", "source_format", "source_encoding",
            "interview_date", "interviewer", "consent_recorded", "is_deidentified", "created_at",
        ]  # fmt: skip


class ApplyCodesSerializer(serializers.Serializer):
    codes = serializers.ListField(child=serializers.IntegerField(), min_length=1)
    start = serializers.IntegerField()
    end = serializers.IntegerField()


class FileFormatNegotiation(DefaultContentNegotiation):
    """For downloads whose `?format=` names the file (qdc, csv), not one of DRF's renderers.

    DRF reads `?format=` as a renderer override and answers 404 for a format no renderer has;
    the export builds its own response, so the first renderer is only used for errors.
    """

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


class ProjectViewSet(viewsets.ReadOnlyModelViewSet):
    """Projects the user codes in; codes, transcripts, undo, queries and exports below them."""

    serializer_class = ProjectSerializer
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> Any:
        return selectors.projects_visible_to(_user(self.request))

    def _project(self) -> Project:
        return selectors.get_project_for(_user(self.request), self.kwargs["pk"])

    @extend_schema(request=ProjectSerializer, responses={201: ProjectSerializer})
    def create(self, request: Request) -> Response:
        """Start a research project with the shipped codebook (`codebook: ""` for none)."""
        data: Any = request.data
        project = services.start_project(
            actor=_user(request),
            name=str(data.get("name", "")),
            description=str(data.get("description", "")),
            codebook=data.get("codebook", "strengths") or None,
        )
        return Response(ProjectSerializer(project).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CodeSerializer, responses={200: CodeSerializer(many=True)})
    @action(detail=True, methods=["get", "post"])
    def codes(self, request: Request, pk: str) -> Response:
        """The codebook (parents first), or POST a new code."""
        project = self._project()
        if request.method == "POST":
            data = CodeSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            fields = dict(data.validated_data)
            parent = fields.pop("parent", None)
            if parent is not None and parent.project_id != project.pk:
                raise NotFound()
            code = services.add_code(actor=_user(request), project=project, parent=parent, **fields)
            return Response(CodeSerializer(code).data, status=status.HTTP_201_CREATED)
        return Response(CodeSerializer(selectors.codes_of(project), many=True).data)

    @extend_schema(request=None, responses={201: TranscriptSerializer})
    @action(detail=True, methods=["post"])
    def transcripts(self, request: Request, pk: str) -> Response:
        """Import a transcript: a `file` upload or `text` pasted; optional `case`, `title`."""
        project = self._project()
        upload = request.FILES.get("file")
        data: Any = request.data
        case = None
        if data.get("case"):
            case = get_case_for(_user(request), data["case"], audit_as=None)
        transcript = services.import_transcript(
            actor=_user(request),
            project=project,
            filename=upload.name if upload else "",
            data=upload.read() if upload else None,
            pasted=None if upload else str(data.get("text", "")),
            case=case,
            title=str(data.get("title", "")),
            interviewer=str(data.get("interviewer", "")),
            consent_recorded=str(data.get("consent_recorded", "")).lower() in ("1", "true", "yes"),
        )
        data = TranscriptSerializer(transcript, context=_case_context(_user(request), [transcript]))
        return Response(data.data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: dict})
    @action(detail=True, methods=["post"])
    def undo(self, request: Request, pk: str) -> Response:
        """Undo the user's most recent coding action in the project."""
        undone = services.undo_last(actor=_user(request), project=self._project())
        if undone is None:
            return Response({"undone": None})
        return Response({"undone": {"kind": undone.kind, "segments": undone.segment_ids}})

    @extend_schema(request=None, responses={200: dict})
    @action(detail=True, methods=["get"])
    def query(self, request: Request, pk: str) -> Response:
        """Text selected by a code query (`q`, e.g. `P-IND-01 AND NOT R-IND-02`)."""
        hits = selectors.run_code_query(
            _user(request), self._project(), str(request.query_params.get("q", ""))
        )
        return Response(
            [
                {
                    "transcript": hit.transcript.pk,
                    "start": hit.start,
                    "end": hit.end,
                    "text": hit.text,
                }
                for hit in hits
            ]
        )

    @extend_schema(request=None, responses={200: bytes})
    @action(detail=True, methods=["get"], content_negotiation_class=FileFormatNegotiation)
    def export(self, request: Request, pk: str) -> HttpResponse:
        """The project as REFI-QDA (`format=qdpx|qdc`) or its coded segments (`csv|xlsx`)."""
        fmt = str(request.query_params.get("format", "qdpx"))
        project = self._project()
        data, content_type, name = selectors.export_for(_user(request), project, fmt)
        response = HttpResponse(data, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


def _case_context(user: User, transcripts: list[Transcript]) -> dict[str, Any]:
    """Serializer context naming the transcripts' cases: ids for case staff, else pseudonyms."""
    if can_see_identifiable_cases(user.role_enum):
        return {"case_labels": None}
    projects = {t.project_id for t in transcripts if t.case_id is not None}
    return {"case_labels": selectors.case_pseudonyms_by_project(projects)}


class TranscriptViewSet(viewsets.ReadOnlyModelViewSet):
    """Transcripts the user may read; `segments` to code them."""

    serializer_class = TranscriptSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self) -> Any:
        return selectors.transcripts_visible_to(_user(self.request)).defer("text")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The transcripts the user may read, a page at a time; the ids listed are audited."""
        page = self.paginate_queryset(self.get_queryset())
        shown = list(page if page is not None else self.get_queryset())
        record(
            actor=_user(request),
            action="coding.transcript.listed",
            context={"ids": [t.pk for t in shown], "count": len(shown)},
        )
        data = TranscriptSerializer(shown, many=True, context=_case_context(_user(request), shown))
        if page is None:
            return Response(data.data)
        return self.get_paginated_response(data.data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The transcript with its text, speaker turns and current coded segments (audited)."""
        transcript = selectors.get_transcript_for(_user(request), kwargs["pk"])
        context = _case_context(_user(request), [transcript])
        data = dict(TranscriptSerializer(transcript, context=context).data)
        data["text"] = transcript.text
        data["turns"] = [
            {"start": t.start, "end": t.end, "speaker": t.speaker} for t in transcript.turns.all()
        ]
        data["segments"] = SegmentSerializer(selectors.segments_in(transcript), many=True).data
        return Response(data)

    @extend_schema(request=ApplyCodesSerializer, responses={201: SegmentSerializer(many=True)})
    @action(detail=True, methods=["post"])
    def segments(self, request: Request, pk: str) -> Response:
        """Apply one or more codes to [start, end) (code points of the stored text)."""
        transcript = selectors.get_transcript_for(
            _user(request), pk, audit_as=None, with_text=False
        )
        data = ApplyCodesSerializer(data=request.data)
        if not data.is_valid():
            raise InvalidInput({k: [str(m) for m in v] for k, v in data.errors.items()})
        segments = services.apply_codes(
            actor=_user(request),
            transcript=transcript,
            code_ids=data.validated_data["codes"],
            start=data.validated_data["start"],
            end=data.validated_data["end"],
        )
        # the same fields as SegmentSerializer, written out: this answers every click
        body = [
            {
                "id": segment.pk,
                "transcript": transcript.pk,
                "code": segment.code_id,
                "coder": segment.coder.username,
                "start": segment.start,
                "end": segment.end,
                "origin": segment.origin,
                "created_at": serializers.DateTimeField().to_representation(segment.created_at),
            }
            for segment in segments
        ]
        return Response(body, status=status.HTTP_201_CREATED)


class SegmentViewSet(viewsets.GenericViewSet):
    """Remove a coded segment (the row is kept, marked removed; undo brings it back)."""

    serializer_class = SegmentSerializer
    permission_classes = [permissions.IsAuthenticated]
    # names the model for the schema only; a segment is read through its door
    queryset = CodedSegment.objects.none()

    def destroy(self, request: Request, pk: str) -> Response:
        # removed ones too: removing twice answers as the first time did (DELETE is idempotent)
        segment = selectors.get_segment_for(_user(request), pk, audit_as=None)
        services.remove_segment(actor=_user(request), segment=segment)
        return Response(status=status.HTTP_204_NO_CONTENT)
