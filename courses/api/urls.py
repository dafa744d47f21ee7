from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("institutions", views.InstitutionViewSet, basename="institution")
router.register("programs", views.ProgramViewSet, basename="program")
router.register("courses", views.CourseViewSet, basename="course")
router.register("terms", views.TermViewSet, basename="term")
router.register("offerings", views.OfferingViewSet, basename="offering")

urlpatterns = router.urls
