from django.urls import path

from onvifctl.api import views

# Included under /api/ by nem/urls.py. cameras/onvif/discover cannot clash with a camera: the id
# "onvif" is reserved.
urlpatterns = [
    path("cameras/onvif/discover", views.DiscoverView.as_view(), name="onvif-discover"),
    path("cameras/<str:camera_id>/onvif/capabilities", views.CapabilitiesView.as_view(), name="onvif-capabilities"),
    path("cameras/<str:camera_id>/onvif/ptz", views.PtzView.as_view(), name="onvif-ptz"),
    path("cameras/<str:camera_id>/onvif/events", views.EventStatusView.as_view(), name="onvif-events"),
    path("cameras/<str:camera_id>/onvif/presets", views.PresetListView.as_view(), name="onvif-presets"),
    path(
        "cameras/<str:camera_id>/onvif/presets/<str:preset_token>",
        views.PresetGotoView.as_view(),
        name="onvif-preset-goto",
    ),
]
