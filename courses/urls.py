from django.urls import path

from . import views

app_name = "courses"

urlpatterns = [
    path("", views.home, name="home"),
    path("institutions/", views.institution_list, name="institution_list"),
    path("institutions/<str:code>/", views.institution_detail, name="institution_detail"),
    path("courses/", views.catalog, name="catalog"),
    path("courses/<str:institution>/<str:code>/", views.course_detail, name="course_detail"),
]
