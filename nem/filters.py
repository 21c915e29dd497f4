"""Filters shared by every app's filtersets."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django_filters import filters
from django_filters.fields import IsoDateTimeField


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, turned into UTC before it reaches the database: PostgreSQL refuses
    offsets beyond +-15:59 that Python accepts (a 500), and a date at the edge of the calendar
    that cannot be moved to UTC is a 422."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(dt.UTC)
        except OverflowError:
            raise ValidationError("This date-time is out of range.", code="invalid") from None


class UtcIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField
