from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("enrollments", views.EnrollmentViewSet, basename="enrollment")
router.register("me/enrollments", views.MyEnrollmentViewSet, basename="me-enrollment")
router.register("enrollment-batches", views.EnrollmentBatchViewSet, basename="enrollment-batch")
# Only the detail actions capacity/ and cancel/; the catalog's OfferingViewSet owns the rest.
router.register("offerings", views.OfferingActionViewSet, basename="offering-actions")

urlpatterns = [
    path("me/", views.MeViewSet.as_view({"get": "profile"}), name="me"),
    *router.urls,
]
