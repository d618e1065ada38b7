"""What the plans API's viewsets share: who may use them, reading ids from the query string,
refusing fields the endpoint does not take, and lists that record the ids they show."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import permissions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from buoy.access.domain.roles import can_read_resource_directory, can_read_technique_library
from buoy.access.models import User
from buoy.audit.services import record
from buoy.cases.api import DoesCasework
from buoy.cases.models import Case
from buoy.cases.selectors import cases_visible_to
from buoy.core.errors import InvalidInput, NotFound

__all__ = [
    "DoesCasework",
    "IdField",
    "ListedRecords",
    "ReadsResourceDirectory",
    "ReadsTechniqueLibrary",
    "caregiver_of",
    "id_filter",
    "id_parameter",
    "parse",
    "row_id",
    "user_of",
    "visible_case",
]

# The largest id a database row can have (a signed 64-bit integer): a larger one names no row,
# and handing it to the database would be an error there rather than an answer.
LARGEST_ID = 2**63 - 1


def user_of(request: Request) -> User:
    return request.user  # type: ignore[return-value]


class ReadsTechniqueLibrary(permissions.BasePermission):
    """Every role reads the technique library (it names no one); keeping it is checked by the
    services (`can_keep_technique_library`: 403 for others)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and can_read_technique_library(user.role_enum))


class ReadsResourceDirectory(permissions.BasePermission):
    """Case staff and the directory's keepers read the resource directory; researchers do
    not (403). Keeping it is checked by the services (`can_keep_resource_directory`)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and can_read_resource_directory(user.role_enum))


def row_id(value: Any) -> int | None:
    """The id `value` (a path segment or a query value) names, or None when it names no row:
    not digits, 0, or beyond 64 bits."""
    text = str(value).strip()
    if not text.isdigit() or not text.isascii():
        return None
    pk = int(text)
    return pk if 1 <= pk <= LARGEST_ID else None


def id_filter(request: Request, name: str) -> int | None:
    """The id given as `?<name>=`, None when it is not given; InvalidInput on `name` (400, never
    a database error) when it is not an id."""
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    pk = row_id(value)
    if pk is None:
        raise InvalidInput({name: [_("Enter the id of a record: a whole number.")]})
    return pk


def id_parameter(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.QUERY, description=description)


def parse(serializer_class: type[serializers.Serializer], request: Request, **kwargs: Any) -> Any:
    """The request body checked by `serializer_class`: its validated data, or a 400 naming
    each field. A body that is not a JSON object is refused as a whole (`""`); a field the
    endpoint does not take is refused by name, so a misspelt one is never silently ignored."""
    data = request.data
    if not isinstance(data, Mapping):
        raise InvalidInput({"": [_("Send a JSON object.")]})
    given = serializer_class(data=data, **kwargs)
    unknown = sorted(set(data) - set(given.fields))
    if unknown:
        raise InvalidInput({name: [_("This field cannot be given here.")] for name in unknown})
    given.is_valid(raise_exception=True)
    return given.validated_data


def visible_case(user: User, pk: int) -> Case:
    """A case named in a request body, through the one door; one the user may not see is
    refused like one that does not exist, on the field `case`."""
    found = cases_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise InvalidInput({"case": [_("No such case.")]})
    return found


class ListedRecords(viewsets.GenericViewSet):
    """A list of records, a page at a time, whose ids shown are audited
    (`plans.<audit_name>.listed`), as the selectors audit the lists of a case; a record
    looked up by its id (`visible()` narrowed to it) is audited as `plans.<audit_name>.viewed`.
    """

    audit_name = ""

    def visible(self) -> models.QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self) -> models.QuerySet[Any]:
        return self.visible()

    def audited_object(self) -> Any:
        pk = row_id(self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, ""))
        found = self.visible().filter(pk=pk).first() if pk is not None else None
        if found is None:
            raise NotFound()
        record(
            actor=self.request.user,
            action=f"plans.{self.audit_name}.viewed",
            subject=found,
            context={"case": self.case_of(found)},
        )
        return found

    def case_of(self, row: Any) -> int:
        """The id of the case a record shown belongs to, for its audit event."""
        return int(row.case_id)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        shown = list(page if page is not None else self.get_queryset())
        record(
            actor=request.user,
            action=f"plans.{self.audit_name}.listed",
            context={"ids": [row.pk for row in shown], "count": len(shown)},
        )
        data = self.get_serializer(shown, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)


class IdField(serializers.IntegerField):
    """The id of a row named in a request body: a whole number that fits a database id."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=LARGEST_ID, **kwargs)


def caregiver_of(case: Case, pk: int) -> Any:
    """The caregiver `pk` of the case; InvalidInput on `caregiver` for anyone else."""
    found = case.caregivers.filter(pk=pk).first()
    if found is None:
        raise InvalidInput({"caregiver": [_("Choose a caregiver of this case.")]})
    return found
