"""The demo seeds a set of indicators and a project office login, and every indicator computes."""

import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from demo.indicators import INDICATORS
from demo.services import seed_demo
from reports import rules
from reports.measures import compute, quarters
from reports.models import Indicator

pytestmark = pytest.mark.django_db


def test_demo_indicators_compute_and_reseed(login: Any) -> None:
    seed_demo()
    seed_demo()
    assert Indicator.objects.count() == len(INDICATORS) == 12
    assert set(Indicator.objects.values_list("project_output", flat=True)) == {None, 1, 2, 3}
    assert not Indicator.objects.exclude(baseline=0).exists()
    periods = quarters(timezone.localdate(), 1)
    for indicator in Indicator.objects.all():
        indicator.full_clean()
        (result,) = compute(indicator.measure, periods=periods, filters=indicator.filters())
        assert result.value >= 0
    assert compute("unique_learners", periods=periods)[0].value > 0

    office = User.objects.get(email="office@yuchuang.local")
    assert rules.visible_institutions(office) is None
    html = login(office).get(reverse("admin:index")).content.decode()
    # In the admin the office sees the indicators and the shared topics, nothing else.
    assert set(re.findall(r'href="/admin/(\w+/\w+)/"', html)) == {
        "reports/indicator",
        "courses/topic",
    }
