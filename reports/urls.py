from django.urls import path

from . import exports, views

app_name = "reports"

urlpatterns = [
    path("", views.home, name="home"),
    path("<str:owner>/", views.owner, name="owner"),
    # Before the drill-down: an indicator coded "export" would be shadowed, not the export.
    path("<str:owner>/export/", exports.export_view, name="export"),
    path("<str:owner>/<str:indicator>/", views.drilldown, name="drilldown"),
]
