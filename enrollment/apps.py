from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrollmentConfig(AppConfig):
    name = "enrollment"
    verbose_name = _("Enrollment")

    def ready(self) -> None:
        from courses.models import Offering
        from courses.signals import offering_changed

        from .news import offering_changed as tell_offering_changed

        offering_changed.connect(tell_offering_changed, sender=Offering, dispatch_uid="enrollment")
