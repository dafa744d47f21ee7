from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Catalog")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from institutions import catalog_version
        from institutions.models import Institution

        from .models import Course, Offering, Term

        # What the public catalog shows: its cached answers end when one of these rows changes.
        for model in (Institution, Course, Term, Offering):
            for signal in (post_save, post_delete):
                signal.connect(catalog_version.row_changed, sender=model)
