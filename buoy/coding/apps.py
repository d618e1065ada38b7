from django.apps import AppConfig


class CodingConfig(AppConfig):
    name = "buoy.coding"
    label = "coding"
    verbose_name = "Interviews and coding"

    def ready(self) -> None:
        from buoy.cases.timeline import register_timeline_source
        from buoy.coding.selectors.timeline import interview_timeline_entries

        # Interviews added and coded appear on the case timeline (cases never imports this
        # app; it draws what its registered sources return).
        register_timeline_source("coding.interviews", interview_timeline_entries)
