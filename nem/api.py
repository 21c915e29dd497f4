"""The conventions every API view follows, in one place.

- ``StrictQueryMixin``: a query parameter the operation does not read is a 422
  (``invalid-query-parameter``), like an unknown body field: ``?camera=x`` on a list filtered by
  ``camera_id`` must not silently return everything. Every API view includes it (a test walks the
  URLconf).
- ``StrictOrderingFilter``: ``ordering=-detected_at`` over the fields a view names in
  ``ordering_fields``; an unknown field is a 422, and the primary key is appended so that a keyset
  cursor always has a total order.
- ``created``: a 201 with ``Location``.
- ``api_root``: ``GET /api/`` lists the resources.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.db.models import F
from django.http import HttpRequest
from rest_framework import serializers
from rest_framework.filters import OrderingFilter
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from nem.errors import InvalidQueryParameter

# Read by authentication (api_key) and by DRF's renderer choice (format) on every operation.
COMMON_QUERY_PARAMS = ("api_key", "format")


class StrictQueryMixin:
    """Refuses query parameters the operation does not read. A view names its own parameters in
    ``query_params_allowed``; filterset filters, the paginator's parameters and ``ordering`` (when the
    view has ``ordering_fields``) are allowed without naming them."""

    query_params_allowed: tuple[str, ...] = ()

    def allowed_query_params(self) -> set[str]:
        names = set(COMMON_QUERY_PARAMS) | set(self.query_params_allowed)
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None:
            names |= set(filterset_class.base_filters)
        if getattr(self, "pagination_class", None) is not None and hasattr(self, "paginator"):
            paginator = self.paginator
            if paginator is not None and hasattr(paginator, "query_param_names"):
                names |= set(paginator.query_param_names())
        if getattr(self, "ordering_fields", None):
            names.add(StrictOrderingFilter.ordering_param)
        return names

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method == "OPTIONS":
            return
        allowed = self.allowed_query_params()
        unknown = [name for name in request.query_params if name not in allowed]
        if unknown:
            accepted = ", ".join(sorted(allowed - set(COMMON_QUERY_PARAMS))) or "none"
            raise InvalidQueryParameter(
                {name[:100]: [f"is not a parameter of this operation; it accepts: {accepted}"] for name in unknown}
            )


class StrictOrderingFilter(OrderingFilter):
    """DRF's ordering filter that refuses what it cannot do instead of ignoring it."""

    def get_valid_fields(self, queryset, view, context=None):
        if not getattr(view, "ordering_fields", None):
            return []
        return super().get_valid_fields(queryset, view, context or {})

    def remove_invalid_fields(self, queryset, fields, view, request):
        valid = [name for name, _label in self.get_valid_fields(queryset, view, {"request": request})]
        terms = [term.strip() for term in fields if term.strip()]
        bad = [term for term in terms if term.lstrip("-") not in valid]
        if bad or len({t.lstrip("-") for t in terms}) != len(terms):
            raise InvalidQueryParameter(
                self.ordering_param,
                f"accepts a comma-separated list of {', '.join(valid)}, each at most once, "
                "with '-' for descending (e.g. -" + (valid[0] if valid else "id") + ")",
            )
        return terms

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        ordering = list(ordering)
        if not any(term.lstrip("-") in ("pk", "id") for term in ordering):
            ordering.append(("-" if ordering[-1].startswith("-") else "") + "pk")
        return queryset.order_by(*(self.term(queryset, term) for term in ordering))

    @staticmethod
    def term(queryset, term: str):
        """A nullable field sorts its nulls last in both directions (on every database), which the
        keyset paginator relies on."""
        name = term.lstrip("-")
        try:
            nullable = name != "pk" and queryset.model._meta.get_field(name).null
        except FieldDoesNotExist:  # an annotation or a related path: the queryset's own business
            nullable = False
        if not nullable:
            return term
        expression = F(name)
        return expression.desc(nulls_last=True) if term.startswith("-") else expression.asc(nulls_last=True)

    def get_schema_operation_parameters(self, view):
        fields = getattr(view, "ordering_fields", None)
        if not fields:
            return []
        default = ",".join(getattr(view, "ordering", None) or [])
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": (
                    f"Sort by {', '.join(fields)}; comma-separated, '-' for descending"
                    + (f" (default `{default}`)." if default else ".")
                ),
                "schema": {"type": "string", "example": default or f"-{fields[0]}"},
            }
        ]


def created(data, location: str, **kwargs) -> Response:
    """A 201 whose ``Location`` is the new resource's path."""
    headers = {"Location": location, **kwargs.pop("headers", {})}
    return Response(data, status=201, headers=headers, **kwargs)


class ApiRootSerializer(serializers.Serializer):
    """The resources of this API."""

    resources = serializers.DictField(
        child=serializers.CharField(),
        help_text="Resource name -> its path; `{camera_id}` stands for a camera's id.",
    )


class ApiRootView(StrictQueryMixin, APIView):
    # GET /api/: the resources of this API, by name, for a client that starts here. Its schema is
    # nem.schema.ApiRootViewSchema (this module is imported by the settings' filter backends, before
    # drf-spectacular can be).

    authentication_classes: list = []
    permission_classes = [AllowAny]

    RESOURCES = {
        "cameras": "/api/cameras",
        "trash": "/api/cameras/deleted",
        "camera": "/api/cameras/{camera_id}",
        "snapshot": "/api/cameras/{camera_id}/snapshot",
        "path_validation": "/api/cameras/validation/paths",
        "health": "/api/cameras/{camera_id}/health",
        "baseline": "/api/cameras/{camera_id}/baseline",
        "scene_changes": "/api/cameras/{camera_id}/scene-changes",
        "storage": "/api/cameras/{camera_id}/storage",
        "onvif_discovery": "/api/cameras/onvif/discover",
        "onvif": "/api/cameras/{camera_id}/onvif/capabilities",
        "detections": "/api/detections",
        "events": "/api/events",
        "alerts": "/api/alerts",
        "alert_endpoints": "/api/alert-endpoints",
        "alert_deliveries": "/api/alert-deliveries",
        "schema": "/api/schema/",
        "docs": "/api/docs/",
        "problems": "/problems/",
    }

    def get(self, request: HttpRequest):
        return Response({"resources": self.RESOURCES})
