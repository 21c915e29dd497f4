"""Serializer pieces shared by every app."""

from __future__ import annotations

import datetime as dt
import math

from django.db import models
from rest_framework import serializers


class UTCDateTimeField(serializers.DateTimeField):
    """ISO 8601 in UTC with ``Z``, whatever TIME_ZONE is (cameras have their own local zones)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default_timezone", dt.UTC)
        super().__init__(*args, **kwargs)


class FiniteFloatField(serializers.FloatField):
    """A float that refuses NaN and infinities (JSON has neither; Python's parser accepts them)."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return value


class ModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: UTCDateTimeField,
    }


class StrictSerializer(serializers.Serializer):
    """An input serializer that rejects keys it does not know (a typo must not be ignored)."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["is not a known field"] for name in unknown})
        return super().to_internal_value(data)
