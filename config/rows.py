"""Model instances from SQL written once per process, for the few reads of the registration rush
(抢课) where building the ORM query cost more than running it: the row locks, the offering an
enrollment names, the session. Each caller keeps the ORM query it stands for in its docstring,
and a test holds the two to the same rows.

`columns(model, alias, names)` gives, once, the SQL for those fields and the way back from a row's
values to an instance: the values in concrete-field order, through the converters the ORM
applies (SQLite keeps uuids as text), into Model.from_db (the fields not named are deferred, as
with only()).
"""

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connection, models
from django.db.transaction import TransactionManagementError

Row = TypeVar("Row", bound=models.Model)


@dataclass(frozen=True)
class Columns:
    model: type[models.Model]
    names: list[str]  # attnames, in concrete-field order
    sql: str  # "alias"."column", ... in that order
    converters: list[tuple[int, Any, list[Any]]]  # (index, column expression, converters)

    def instance(self, values: Sequence[Any]) -> Any:
        values = list(values)
        for index, expression, steps in self.converters:
            for step in steps:
                values[index] = step(values[index], expression, connection)
        return self.model.from_db(connection.alias, self.names, values)


@functools.cache
def _columns(
    model: type[models.Model], alias: str, names: tuple[str, ...] | None, vendor: str
) -> Columns:
    fields = [f for f in model._meta.concrete_fields if names is None or f.attname in names]
    if names is not None and len(fields) != len(names):
        raise ValueError(f"not concrete fields of {model.__name__}: {names}")
    quote = connection.ops.quote_name
    converters = []
    for index, field in enumerate(fields):
        expression = field.get_col(alias)
        steps = connection.ops.get_db_converters(expression) + expression.get_db_converters(
            connection
        )
        if steps:
            converters.append((index, expression, steps))
    sql = ", ".join(f"{quote(alias)}.{quote(str(f.column))}" for f in fields)
    return Columns(model, [f.attname for f in fields], sql, converters)


def columns(model: type[models.Model], alias: str, names: Sequence[str] | None = None) -> Columns:
    """`names` (attnames) of `model` as read from the table called `alias` in the SQL; all
    concrete fields without `names`."""
    return _columns(model, alias, tuple(names) if names is not None else None, connection.vendor)


def table(model: type[models.Model]) -> str:
    """The model's table, quoted for the SQL."""
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[models.Model], name: str) -> str:
    """The column of the model's field `name` (a ForeignKey's is its _id), quoted."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return connection.ops.quote_name(str(field.column))


@functools.cache
def _by_pk_sql(model: type[models.Model], lock: bool, vendor: str) -> str:
    named = table(model)
    picked = columns(model, model._meta.db_table).sql
    where = f"{named}.{column(model, model._meta.pk.name)} = %s"
    for_update = " FOR UPDATE" if lock and connection.features.has_select_for_update else ""
    return f"SELECT {picked} FROM {named} WHERE {where}{for_update}"  # noqa: S608 (names from meta)


def by_pk(model: type[Row], pk: Any, *, lock: bool = False) -> Row:
    """model.objects.get(pk=pk), or with `lock` model.objects.select_for_update().get(pk=pk):
    every concrete field, Model.DoesNotExist when there is no such row."""
    if lock and connection.features.has_select_for_update and connection.get_autocommit():
        raise TransactionManagementError(
            "select_for_update cannot be used outside of a transaction."
        )
    with connection.cursor() as cursor:
        value = model._meta.pk.get_db_prep_value(pk, connection)
        cursor.execute(_by_pk_sql(model, lock, connection.vendor), [value])
        row = cursor.fetchone()
    if row is None:
        missing = model.DoesNotExist  # type: ignore[attr-defined]
        raise missing(f"{model._meta.object_name} matching query does not exist.")
    found: Row = columns(model, model._meta.db_table).instance(row)
    return found
