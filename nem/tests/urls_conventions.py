"""A URLconf for test_api_conventions: the project's routes plus one list view built only from the
shared conventions (strict query, ordering filter, default pagination)."""

import django_filters
from django.urls import path
from rest_framework import mixins, serializers, viewsets

from cameras.models import Camera
from nem.api import StrictQueryMixin, created
from nem.urls import handler404, handler500  # noqa: F401 - handlers are read by Django
from nem.urls import urlpatterns as project_patterns


class ProbeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Camera
        fields = ["id", "name", "created_at"]


class ProbeFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=[("online", "online"), ("offline", "offline")])

    class Meta:
        model = Camera
        fields = ["status"]


class ProbeViewSet(StrictQueryMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Camera.objects.all()
    serializer_class = ProbeSerializer
    filterset_class = ProbeFilter
    ordering_fields = ["name", "created_at"]
    ordering = ["-created_at"]
    query_params_allowed = ("days",)

    def create(self, request):
        return created({"id": "new"}, "/api/test-probe/new")


urlpatterns = [
    path("api/test-probe", ProbeViewSet.as_view({"get": "list", "post": "create"})),
    *project_patterns,
]
