"""Retitle de-identified copies made before issue 8: their titles repeated the original's,
which often names the family ("Interview with 张淑华 about 张琪杰 (de-identified)").

Each copy gets the title `make_deidentified_copy` now gives, in English (a migration has no
reader's language): the case's pseudonym in its project, the interview's number among the
case's copies there, and the timepoint. The fields copies never held are blanked to be sure.
The logic is written out here, not imported, so this migration keeps working when the
service changes.
"""

from django.db import migrations
from django.db.models import Min


def retitle(apps, schema_editor):
    Transcript = apps.get_model("coding", "Transcript")
    copies = Transcript.objects.filter(is_deidentified=True).select_related("timepoint")
    for project_id in set(copies.values_list("project_id", flat=True)):
        firsts = (
            Transcript.objects.filter(project_id=project_id, case__isnull=False)
            .order_by()
            .values("case_id")
            .annotate(first=Min("pk"))
            .order_by("first")
            .values_list("case_id", flat=True)
        )
        pseudonyms = {case_id: f"case-{n}" for n, case_id in enumerate(firsts, 1)}
        numbers: dict[int, int] = {}
        for copy in copies.filter(project_id=project_id).order_by("pk"):
            if copy.case_id is None:
                continue
            number = numbers[copy.case_id] = numbers.get(copy.case_id, 0) + 1
            parts = [pseudonyms[copy.case_id], "interview" if number == 1 else f"interview {number}"]
            if copy.timepoint is not None:
                parts.append(copy.timepoint.label_en)
            copy.title = (" · ".join(parts) + " (de-identified)")[:200]
            copy.interviewer = ""
            copy.interview_date = None
            copy.source_filename = ""
            copy.source_encoding = ""
            copy.save(
                update_fields=[
                    "title",
                    "interviewer",
                    "interview_date",
                    "source_filename",
                    "source_encoding",
                ]
            )


class Migration(migrations.Migration):
    dependencies = [
        ("coding", "0004_suggestion_model_record"),
        ("instruments", "0001_initial"),
    ]

    operations = [migrations.RunPython(retitle, migrations.RunPython.noop)]
