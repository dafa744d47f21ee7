"""The session engine: Django's database sessions, the session read with SQL written once.

Every signed-in request reads its session first; building that ORM query cost more than running
it (config.rows). Everything else, the table and the stored format included, is Django's
`django.contrib.sessions.backends.db`, so sessions written by either engine read in the other.
"""

import functools
from typing import Any

from django.contrib.sessions.backends import db
from django.db import connection
from django.utils import timezone

from config import rows


@functools.cache
def _sql(model: Any, vendor: str) -> str:
    key, expires = rows.column(model, "session_key"), rows.column(model, "expire_date")
    picked = rows.columns(model, model._meta.db_table).sql
    return f"SELECT {picked} FROM {rows.table(model)} WHERE {key} = %s AND {expires} > %s"  # noqa: S608


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Any:
        """Session.objects.get(session_key=..., expire_date__gt=now), or None (forgetting the
        key) when there is no such session or it expired, as Django's does."""
        model = self.model
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(_sql(model, connection.vendor), [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return rows.columns(model, model._meta.db_table).instance(row)
