from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("learners", views.LearnerViewSet, basename="learner")

urlpatterns = router.urls
