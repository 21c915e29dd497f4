"""The alerts tests' clock."""

import datetime as dt

T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
