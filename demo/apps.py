from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data for every app. Sits at the top of the import graph, beside config."""

    name = "demo"
    verbose_name = _("Demo data")
