"""The audit trail: who saw or changed which identifiable record, when and from where."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Events are append-only: bulk updates and deletes are refused."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError("Audit events are append-only and cannot be updated.")

    def delete(self) -> NoReturn:
        raise TypeError("Audit events are append-only and cannot be deleted.")


class AuditEvent(models.Model):
    """One view or change of identifiable data. Holds no health data: names of fields only.

    Personal data: the actor's user id and username, and the source address.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Kept as text too, so the trail still reads after an account is renamed.
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    subject_type = models.CharField(max_length=60, blank=True, db_index=True)
    subject_id = models.CharField(max_length=40, blank=True, db_index=True)
    source_address = models.GenericIPAddressField(null=True, blank=True)
    channel = models.CharField(max_length=10, default="system")
    changed_fields = models.JSONField(default=list, blank=True)
    # Structured, non-clinical context only: ids shown in a list, counts, a role name.
    context = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username or '-'} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("Audit events are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("Audit events are append-only and cannot be deleted.")
