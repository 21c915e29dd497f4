from django.urls import path

from onvifctl.api.views import OnvifDiscoveryViewSet, OnvifViewSet

# Included under /api/ by nem/urls.py. cameras/onvif/discover cannot clash with a camera: the id
# "onvif" is reserved.
urlpatterns = [
    path("cameras/onvif/discover", OnvifDiscoveryViewSet.as_view({"post": "discover"}), name="onvif-discover"),
    path(
        "cameras/<str:camera_id>/onvif/capabilities",
        OnvifViewSet.as_view({"get": "capabilities"}),
        name="onvif-capabilities",
    ),
    path("cameras/<str:camera_id>/onvif/ptz", OnvifViewSet.as_view({"post": "ptz"}), name="onvif-ptz"),
    path("cameras/<str:camera_id>/onvif/events", OnvifViewSet.as_view({"get": "events"}), name="onvif-events"),
    path("cameras/<str:camera_id>/onvif/presets", OnvifViewSet.as_view({"get": "presets"}), name="onvif-presets"),
    path(
        "cameras/<str:camera_id>/onvif/presets/<str:preset_token>",
        OnvifViewSet.as_view({"post": "preset_goto"}),
        name="onvif-preset-goto",
    ),
]
