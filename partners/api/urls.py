from rest_framework.routers import SimpleRouter

from . import views, webhooks

router = SimpleRouter()
router.register("learners", views.LearnerViewSet, basename="learner")
router.register("webhook-endpoints", webhooks.WebhookEndpointViewSet, basename="webhook-endpoint")
router.register("webhook-events", webhooks.WebhookEventViewSet, basename="webhook-event")
router.register(
    "webhook-event-types", webhooks.WebhookEventTypeViewSet, basename="webhook-event-type"
)

urlpatterns = router.urls
