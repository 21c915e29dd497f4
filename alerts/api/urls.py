from rest_framework.routers import SimpleRouter

from alerts.api.views import AlertEndpointViewSet, AlertViewSet, DeliveryViewSet

router = SimpleRouter(trailing_slash=False)
router.register("alerts", AlertViewSet, basename="alert")
router.register("alert-endpoints", AlertEndpointViewSet, basename="alert-endpoint")
router.register("alert-deliveries", DeliveryViewSet, basename="alert-delivery")

urlpatterns = router.urls
