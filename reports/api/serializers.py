"""A quarterly report as the API shows it: figures suppressed as in every export.

Every figure is a cell `{"value", "suppressed"}`. `value` is a decimal number written as a JSON
string ("7", "33.3", "20000"), as the rest of the API writes decimals; it is null when the cell
is withheld (`"suppressed": true`: it rests on 1 to 4 people) or has no value (a percentage of
nobody, or a progress without a target: `"suppressed": false`). Baselines and targets are
decimal strings too, null when no target applies.

Split keys are stable codes, never row numbers: sex `female`, `male`, `not_stated`; learner type
as in the learners API; the owner's code for `institution`; the program's `id` (UUID) for
`program`, null for courses in no program; the term's code for `term`. Labels follow
Accept-Language; indicator and owner names come in both languages.
"""

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from courses.models import Program
from institutions.models import Institution

from .. import exports, privacy
from ..measures import MEASURES, Figure
from ..models import Unit
from ..report import IndicatorReport, OwnerRow, Report, quarter_code

NOT_STATED = "not_stated"


def figure_field(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=None, decimal_places=None, read_only=True, allow_null=True, **kwargs
    )


VALUE_HELP = "A decimal number as a string; null if withheld or without a value."
SUPPRESSED_HELP = "Withheld: it rests on 1 to 4 people."


class CellSerializer(serializers.Serializer):
    value = figure_field(help_text=VALUE_HELP)
    suppressed = serializers.BooleanField(read_only=True, help_text=SUPPRESSED_HELP)


class QuarterCellSerializer(serializers.Serializer):
    quarter = serializers.CharField(read_only=True, help_text="e.g. 2027Q1")
    value = figure_field(help_text=VALUE_HELP)
    suppressed = serializers.BooleanField(read_only=True, help_text=SUPPRESSED_HELP)


class PeriodCellSerializer(serializers.Serializer):
    period = serializers.CharField(read_only=True, help_text="A quarter (2027Q1) or to_date.")
    value = figure_field(help_text=VALUE_HELP)
    suppressed = serializers.BooleanField(read_only=True, help_text=SUPPRESSED_HELP)


class BucketSerializer(serializers.Serializer):
    key = serializers.CharField(read_only=True, allow_null=True)
    label = serializers.CharField(read_only=True, help_text="In the Accept-Language.")
    values = PeriodCellSerializer(many=True, read_only=True)


def _buckets() -> BucketSerializer:
    return BucketSerializer(many=True, required=False)  # not read-only: then not required


class SplitsSerializer(serializers.Serializer):
    """Only the splits the indicator's measure has are present."""

    sex = _buckets()
    learner_type = _buckets()
    institution = _buckets()
    program = _buckets()
    term = _buckets()


class OwnerSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name_zh = serializers.CharField(read_only=True)
    name_en = serializers.CharField(read_only=True)
    value = CellSerializer(read_only=True, help_text="This quarter.")
    to_date = CellSerializer(read_only=True, help_text="From the project's start.")
    baseline = figure_field(help_text="The owner's baseline; null without an owner target.")
    target = figure_field(help_text="The owner's target; null without an owner target.")
    level = CellSerializer(read_only=True)
    progress = CellSerializer(read_only=True)


class IndicatorSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name_zh = serializers.CharField(read_only=True)
    name_en = serializers.CharField(read_only=True)
    project_output = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="1, 2 or 3; null for project-wide."
    )
    unit = serializers.ChoiceField(choices=Unit.choices, read_only=True)
    measure = serializers.ChoiceField(choices=list(MEASURES), read_only=True)
    baseline = figure_field(help_text="Null when no target applies to this owner.")
    target = figure_field(help_text="Null when no target applies to this owner.")
    target_date = serializers.DateField(read_only=True, allow_null=True)
    value = figure_field(help_text="This quarter's figure.")
    suppressed = serializers.BooleanField(read_only=True, help_text="This quarter's is withheld.")
    to_date = CellSerializer(read_only=True, help_text="From the project's start.")
    level = CellSerializer(read_only=True, help_text="Baseline plus to date (percent: to date).")
    progress = CellSerializer(read_only=True, help_text="Percent of the way to the target.")
    not_stated = CellSerializer(
        read_only=True,
        allow_null=True,
        help_text="Share of women: learners whose sex is not stated, left out of the share.",
    )
    trend = QuarterCellSerializer(many=True, read_only=True)
    splits = SplitsSerializer(read_only=True)
    owners = OwnerSerializer(
        many=True, read_only=True, help_text="Combined report only: one row per owner."
    )


class ReportSerializer(serializers.Serializer):
    quarter = serializers.CharField(read_only=True)
    as_of = serializers.DateTimeField(read_only=True, help_text="Figures as known then.")
    owner = serializers.CharField(
        read_only=True, allow_null=True, help_text="The owner's code; null: the combined report."
    )
    start = serializers.DateField(read_only=True, help_text="The project's start.")
    quarters = serializers.ListField(child=serializers.CharField(), read_only=True)
    indicators = IndicatorSerializer(many=True, read_only=True)


# --- from a report ------------------------------------------------------------------------------


def _number(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.normalize()


def cell(value: Decimal | int | str | None) -> dict[str, Any]:
    """A public value (a number, "<5", "–" or None) as a cell."""
    if value == privacy.SUPPRESSED:
        return {"value": None, "suppressed": True}
    if value is None or isinstance(value, str):
        return {"value": None, "suppressed": False}
    return {"value": _number(Decimal(value)), "suppressed": False}


def _figure(figure: Figure, unit: str) -> dict[str, Any]:
    return cell(exports.public(figure, unit))


class Keys:
    """Public keys of the split buckets: owners by code, programs by id (two queries at most,
    whatever the number of indicators)."""

    def __init__(self, report: Report) -> None:
        wanted: dict[str, set[Any]] = {"institution": set(), "program": set()}
        for row in report.indicators:
            for split, ids in wanted.items():
                ids.update(b.key for b in row.cumulative.breakdowns.get(split, []))
        self.owners: dict[Any, str] = {}
        if ids := wanted["institution"] - {None}:
            self.owners = dict(Institution.objects.filter(pk__in=ids).values_list("pk", "code"))
        self.programs: dict[Any, str] = {}
        if ids := wanted["program"] - {None}:
            self.programs = {
                pk: str(public_id)
                for pk, public_id in Program.objects.filter(pk__in=ids).values_list(
                    "pk", "public_id"
                )
            }

    def of(self, split: str, key: Any) -> str | None:
        if key is None:
            return None
        if split == "sex":
            return key or NOT_STATED
        if split == "institution":
            return self.owners.get(key)
        if split == "program":
            return self.programs.get(key)
        return str(key)


def _goal(goal: Any) -> dict[str, Any]:
    return {
        "baseline": _number(goal.baseline) if goal else None,
        "target": _number(goal.target) if goal else None,
    }


def _owner(owner: OwnerRow, unit: str) -> dict[str, Any]:
    figure = owner.cumulative.figure
    return {
        "code": owner.institution.code,
        "name_zh": owner.institution.name_zh,
        "name_en": owner.institution.name_en,
        "value": _figure(owner.quarter.figure, unit),
        "to_date": _figure(figure, unit),
        **_goal(owner.goal),
        "level": cell(exports.public_level(owner, figure)),
        "progress": cell(exports.public_progress(owner, figure)),
    }


def _splits_of(row: IndicatorReport, keys: Keys) -> dict[str, Any]:
    unit = row.unit
    splits = {}
    for split in row.dimensions:
        buckets = []
        for bucket, per_quarter in exports.split_rows(row, split):
            values = [
                {"period": quarter_code(result.period), **_figure(b.figure, unit)}
                for result, b in zip(row.trend, per_quarter, strict=True)
            ]
            values.append({"period": exports.TO_DATE, **_figure(bucket.figure, unit)})
            buckets.append(
                {"key": keys.of(split, bucket.key), "label": bucket.label, "values": values}
            )
        splits[split] = buckets
    return splits


def indicator_data(row: IndicatorReport, keys: Keys) -> dict[str, Any]:
    indicator, unit = row.indicator, row.unit
    cumulative = row.cumulative.figure
    quarter = _figure(row.quarter.figure, unit)
    not_stated = exports.public_not_stated(row)
    return {
        "code": indicator.code,
        "name_zh": indicator.name_zh,
        "name_en": indicator.name_en,
        "project_output": indicator.project_output,
        "unit": unit,
        "measure": indicator.measure,
        **_goal(row.goal),
        "target_date": row.goal.target_date if row.goal else None,
        **quarter,
        "to_date": _figure(cumulative, unit),
        "level": cell(exports.public_level(row, cumulative)),
        "progress": cell(exports.public_progress(row, cumulative)),
        "not_stated": None if not_stated is None else cell(not_stated),
        "trend": [
            {"quarter": quarter_code(result.period), **_figure(result.figure, unit)}
            for result in row.trend
        ],
        "splits": _splits_of(row, keys),
        "owners": [_owner(owner, unit) for owner in row.owners],
    }


def report_data(report: Report) -> dict[str, Any]:
    keys = Keys(report)
    return {
        "quarter": report.quarter_code,
        "as_of": report.as_of,
        "owner": report.institution.code if report.institution is not None else None,
        "start": report.start,
        "quarters": [quarter_code(period) for period in exports.quarters_of(report)],
        "indicators": [indicator_data(row, keys) for row in report.indicators],
    }
