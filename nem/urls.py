from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from nem import health, problem_pages
from nem.api import ApiRootView

# Each app owns its api/urls.py; this is the only place that composes them.
api_patterns = [
    path("", include("cameras.api.urls")),
    path("", include("baselines.api.urls")),
    path("", include("scenechanges.api.urls")),
    path("", include("onvifctl.api.urls")),
    path("", include("health.api.urls")),
    path("", include("retention.api.urls")),
    path("", include("alerts.api.urls")),
]

urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[]), name="schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="schema", authentication_classes=[], permission_classes=[]),
        name="docs",
    ),
    path("api/", ApiRootView.as_view(), name="api-root"),
    path("api/", include(api_patterns)),
    path("problems/", problem_pages.problem_index, name="problem-index"),
    path("problems/<slug:slug>", problem_pages.problem_detail, name="problem-detail"),
    path("health", health.health, name="health"),
    path("ready", health.ready, name="ready"),
    # APPEND_SLASH is off (the API's paths have no trailing slash): the admin's bare path redirects itself.
    path("admin", RedirectView.as_view(url="/admin/", permanent=True)),
    path("admin/", admin.site.urls),
]

handler400 = "nem.errors.handler400"  # problem documents, 413 for an oversized body
handler403 = "nem.errors.handler403"
handler404 = "nem.errors.handler404"
handler500 = "nem.errors.handler500"
