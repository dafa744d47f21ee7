from django.urls import path

from . import views

app_name = "enrollment"

urlpatterns = [
    path("me/learning/", views.my_learning, name="mine"),
    path("enroll/<str:offering>/", views.enroll, name="enroll"),
    path("enrollments/<str:enrollment>/<str:action>/", views.learner_action, name="learner_action"),
    path("staff/offerings/", views.staff_offerings, name="staff_offerings"),
    path("staff/offerings/<str:offering>/", views.roster, name="roster"),
    path("staff/offerings/<str:offering>/results/", views.staff_complete, name="complete"),
    path("staff/offerings/<str:offering>/capacity/", views.staff_capacity, name="capacity"),
    path("staff/offerings/<str:offering>/announce/", views.staff_announce, name="announce"),
    path("staff/offerings/<str:offering>/add/", views.staff_enroll, name="staff_enroll"),
    path("staff/offerings/<str:offering>/import/", views.import_upload, name="import"),
    path("staff/imports/<str:batch>/", views.import_batch, name="import_batch"),
    path("staff/imports/<str:batch>/apply/", views.import_apply, name="import_apply"),
    path(
        "staff/offerings/<str:offering>/<str:enrollment>/move/",
        views.staff_move,
        name="staff_move",
    ),
    path("staff/offerings/<str:offering>/roster.<str:fmt>", views.roster_export, name="export"),
    path(
        "staff/offerings/<str:offering>/<str:enrollment>/<str:action>/",
        views.staff_action,
        name="staff_action",
    ),
]
