"""The health tests' clock."""

import datetime as dt

T0 = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
