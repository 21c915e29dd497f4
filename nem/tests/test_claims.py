"""The one claim helper: a job claimed with a conditional UPDATE, a stale claim taken over."""

import datetime as dt

import pytest

from baselines.models import BaselineState
from cameras.models import IngestionRecord
from cameras.tests.factories import CameraFactory
from nem.claims import ClaimColumn, claim, release

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC)
STARTED = ClaimColumn("recompute_claimed_at", lease=dt.timedelta(minutes=15))
EXPIRES = ClaimColumn("busy_until", lease=dt.timedelta(minutes=10), holds_expiry=True)


@pytest.fixture
def state():
    camera = CameraFactory(id="front_door")
    return BaselineState.objects.create(camera=camera)


def _rows(state):
    return BaselineState.objects.filter(pk=state.pk)


def _stored(state):
    return BaselineState.objects.get(pk=state.pk).recompute_claimed_at


def test_a_claim_is_taken_once_and_refused_while_it_is_live(state):
    assert claim(_rows(state), STARTED, now=NOW) is True
    assert _stored(state) == NOW
    # A second worker, even at the last instant of the lease, is refused and changes nothing.
    assert claim(_rows(state), STARTED, now=NOW + dt.timedelta(minutes=15)) is False
    assert _stored(state) == NOW


def test_a_stale_claim_is_taken_over(state):
    claim(_rows(state), STARTED, now=NOW)
    later = NOW + dt.timedelta(minutes=15, seconds=1)
    assert claim(_rows(state), STARTED, now=later) is True
    assert _stored(state) == later


def test_take_over_claims_whatever_the_age(state):
    claim(_rows(state), STARTED, now=NOW)
    assert claim(_rows(state), STARTED, now=NOW + dt.timedelta(seconds=1), take_over=True) is True
    assert _stored(state) == NOW + dt.timedelta(seconds=1)


def test_release_frees_the_claim_and_sets_the_other_columns_in_the_same_statement(state):
    claim(_rows(state), STARTED, now=NOW)
    assert release(_rows(state), STARTED, last_recompute_at=NOW) == 1
    stored = BaselineState.objects.get(pk=state.pk)
    assert (stored.recompute_claimed_at, stored.last_recompute_at) == (None, NOW)
    assert claim(_rows(state), STARTED, now=NOW + dt.timedelta(seconds=1)) is True


def test_a_missing_row_is_refused_unless_the_claim_creates_it():
    CameraFactory(id="porch")
    rows = IngestionRecord.objects.filter(pk="porch")
    assert claim(rows, EXPIRES, now=NOW) is False
    assert not rows.exists()
    create = lambda: IngestionRecord.objects.create(camera_id="porch")  # noqa: E731
    assert claim(rows, EXPIRES, now=NOW, create=create) is True
    assert rows.get().busy_until == NOW + dt.timedelta(minutes=10)
    # The row exists now: a live claim is refused without calling create again.
    assert claim(rows, EXPIRES, now=NOW + dt.timedelta(minutes=9), create=lambda: pytest.fail("created twice")) is False


def test_a_column_holding_the_expiry_is_stale_once_past():
    CameraFactory(id="porch")
    rows = IngestionRecord.objects.filter(pk="porch")
    IngestionRecord.objects.create(camera_id="porch")
    assert claim(rows, EXPIRES, now=NOW) is True
    assert claim(rows, EXPIRES, now=NOW + dt.timedelta(minutes=10)) is False  # expires at, not before
    assert claim(rows, EXPIRES, now=NOW + dt.timedelta(minutes=10, seconds=1)) is True
    assert rows.get().busy_until == NOW + dt.timedelta(minutes=20, seconds=1)
    release(rows, EXPIRES)
    assert rows.get().busy_until is None
