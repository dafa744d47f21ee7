"""Fixtures of the reporting tests: the hand-computed data set with the demo indicators, and a
project that starts with 2027 (the data set's year)."""

from collections.abc import Iterator
from datetime import date

import pytest
from django.test import override_settings

from demo.indicators import seed_indicators
from tests.reports.world import World, build_world


@pytest.fixture
def project_2027() -> Iterator[None]:
    with override_settings(REPORTS_PROJECT_START=date(2027, 1, 1)):
        yield


@pytest.fixture
def world() -> World:
    built = build_world()
    seed_indicators()
    return built
