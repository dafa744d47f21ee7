"""The demo set of results indicators: project-wide and per output, baselines 0.

Targets are plausible figures for a demo, not the project's agreed ones: the project office
edits indicators, baselines and targets in the admin.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from reports.models import Indicator

TARGET_DATE = date(2029, 12, 31)

INDICATORS: list[dict[str, Any]] = [
    {
        "code": "PW-LEARNERS",
        "name_zh": "培训学员总数",
        "name_en": "Learners trained (total)",
        "project_output": None,
        "measure": "unique_learners",
        "unit": "count",
        "target": 20000,
    },
    {
        "code": "PW-WOMEN",
        "name_zh": "其中女性占比（%）",
        "name_en": "of whom women (%)",
        "project_output": None,
        "measure": "share_of_women",
        "unit": "percent",
        "target": 40,
    },
    {
        "code": "PW-COMPLETIONS",
        "name_zh": "结业人次",
        "name_en": "Completions",
        "project_output": None,
        "measure": "completions",
        "unit": "count",
        "target": 15000,
    },
    {
        "code": "PW-COMPLETION-RATE",
        "name_zh": "结业率（%）",
        "name_en": "Completion rate (%)",
        "project_output": None,
        "measure": "completion_rate",
        "unit": "percent",
        "target": 80,
    },
    {
        "code": "PW-HOURS",
        "name_zh": "交付学时",
        "name_en": "Learning hours delivered",
        "project_output": None,
        "measure": "learning_hours",
        "unit": "hours",
        "target": 400000,
    },
    {
        "code": "O1-COURSES",
        "name_zh": "新开课程门数",
        "name_en": "New courses launched",
        "project_output": 1,
        "measure": "courses_launched",
        "unit": "count",
        "target": 120,
    },
    {
        "code": "O1-PROGRAMS",
        "name_zh": "新设专业与项目数",
        "name_en": "New programs launched",
        "project_output": 1,
        "measure": "programs_launched",
        "unit": "count",
        "target": 15,
    },
    {
        "code": "O1-CROSS",
        "name_zh": "跨校修读学员数",
        "name_en": "Learners from other institutions",
        "project_output": 1,
        "measure": "learners_other_institutions",
        "unit": "count",
        "target": 3000,
    },
    {
        "code": "O2-EMPLOYEES",
        "name_zh": "园区企业员工培训人数",
        "name_en": "Employees of zone enterprises trained",
        "project_output": 2,
        "measure": "unique_learners",
        "unit": "count",
        "learner_type": "employee",
        "target": 6000,
    },
    {
        "code": "O2-TRAINING-RUNS",
        "name_zh": "企业培训开班数",
        "name_en": "Enterprise training offerings run",
        "project_output": 2,
        "measure": "offerings_run",
        "unit": "count",
        "program_kind": "enterprise_training",
        "target": 200,
    },
    {
        "code": "O3-EMPLOYERS",
        "name_zh": "企业与政府人员培训人数",
        "name_en": "Learners from enterprises or government",
        "project_output": 3,
        "measure": "learners_employers",
        "unit": "count",
        "target": 8000,
    },
    {
        "code": "O3-SEATS",
        "name_zh": "提供学位数",
        "name_en": "Seats offered",
        "project_output": 3,
        "measure": "seats_offered",
        "unit": "count",
        "target": 30000,
    },
]


def seed_indicators() -> int:
    """Create or update the demo indicators by code; returns how many there are."""
    for order, spec in enumerate(INDICATORS, start=1):
        fields = {k: v for k, v in spec.items() if k != "code"}
        fields["target"] = Decimal(fields["target"])
        fields.setdefault("baseline", Decimal(0))
        fields.setdefault("target_date", TARGET_DATE)
        fields["display_order"] = order * 10
        indicator = Indicator.objects.filter(code__iexact=spec["code"]).first()
        if indicator is None:
            indicator = Indicator(code=spec["code"])
        for name, value in fields.items():
            setattr(indicator, name, value)
        indicator.full_clean()
        indicator.save()
    return len(INDICATORS)
