from django.urls import path

from buoy.coding import views

app_name = "coding"
urlpatterns = [
    path("", views.projects, name="projects"),
    path("projects/new/", views.project_new, name="project_new"),
    path("projects/<int:project_id>/", views.project, name="project"),
    path("projects/<int:project_id>/import/", views.transcript_import, name="transcript_import"),
    path("projects/<int:project_id>/query/", views.query, name="query"),
    path("projects/<int:project_id>/tables/", views.tables, name="tables"),
    path("projects/<int:project_id>/tables/download/", views.table_download, name="table_download"),
    path("projects/<int:project_id>/co-occurrence/", views.cooccurrence, name="cooccurrence"),
    path("projects/<int:project_id>/agreement/", views.agreement, name="agreement"),
    path("projects/<int:project_id>/codebook/", views.codebook, name="codebook"),
    path("projects/<int:project_id>/memos/", views.memos, name="memos"),
    path("codes/<int:code_id>/", views.code_edit, name="code_edit"),
    path("transcripts/<int:transcript_id>/", views.transcript, name="transcript"),
    path("transcripts/<int:transcript_id>/apply/", views.apply, name="apply"),
    path("transcripts/<int:transcript_id>/undo/", views.undo, name="undo"),
    path("transcripts/<int:transcript_id>/memos/", views.memo_new, name="memo_new"),
    path("transcripts/<int:transcript_id>/deidentify/", views.deidentify, name="deidentify"),
    path("segments/<int:segment_id>/remove/", views.segment_remove, name="segment_remove"),
    path("search/", views.search, name="search"),
    path("cases/<int:case_id>/interviews/", views.case_section, name="case_section"),
    path("projects/<int:project_id>/autocode/", views.autocode, name="autocode"),
    path("projects/<int:project_id>/autocode/apply/", views.autocode_apply, name="autocode_apply"),
    path("projects/<int:project_id>/autocode/undo/", views.autocode_undo, name="autocode_undo"),
    path("projects/<int:project_id>/suggestions/", views.suggestions, name="suggestions"),
    path(
        "projects/<int:project_id>/suggestions/train/",
        views.suggestions_train,
        name="suggestions_train",
    ),
    path(
        "transcripts/<int:transcript_id>/suggestions/",
        views.transcript_suggestions,
        name="transcript_suggestions",
    ),
    path(
        "transcripts/<int:transcript_id>/suggestions/accept/",
        views.suggestion_accept,
        name="suggestion_accept",
    ),
]
