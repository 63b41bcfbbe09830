"""A test clock: `django.utils.timezone.now` answers the time the test sets, so services,
the sweep and `local_today()` all see the same moment (registered in tests/conftest.py)."""

import datetime

import pytest
from django.utils import timezone


class Clock:
    def __init__(self, monkeypatch):
        self.now = timezone.now()
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def set(self, moment: datetime.datetime) -> datetime.datetime:
        self.now = moment
        return moment


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)
