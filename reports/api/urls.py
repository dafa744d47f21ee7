from django.urls import path

from . import views

urlpatterns = [
    path("reports/<str:quarter>/", views.ReportView.as_view(), name="report"),
]
