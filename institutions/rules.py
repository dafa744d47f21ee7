"""Who may see and change what an institution owns.

Each rule answers both questions the platform asks: "may this user change this object" (for a
detail page or a form) and "which rows may this user see" (a `Q` for a list). Admin, pages and
the API use the same rule, so a list and a detail view can never disagree.

Superusers see and change everything. Institution staff see their own institution's rows; what
they may change depends on their role there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, Q

from .models import StaffMembership

Role = StaffMembership.Role
ALL_ROLES = frozenset(Role.values)
CATALOG_EDITORS = frozenset({Role.ADMIN, Role.COURSE_MANAGER})
INSTITUTION_ADMINS = frozenset({Role.ADMIN})

_CACHE_ATTR = "_institution_roles"


def institution_roles(user: Any) -> dict[int, str]:
    """Institution id to role for an active user; cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = dict(
            StaffMembership.objects.filter(user=user).values_list("institution_id", "role")
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_roles(user: Any) -> None:
    """Drop the cached roles, after memberships change within one request."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_institution_staff(user: Any) -> bool:
    return bool(institution_roles(user))


def institution_ids(user: Any, roles: Iterable[str] = ALL_ROLES) -> set[int]:
    wanted = set(roles)
    return {pk for pk, role in institution_roles(user).items() if role in wanted}


def is_superuser(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


@dataclass(frozen=True)
class InstitutionRule:
    """Access to rows owned by an institution, reached from the model through `path`.

    `path` is the lookup from the model to its institution: "pk" for Institution itself,
    "institution" for a course, "course__institution" for an offering.
    """

    path: str
    view_roles: frozenset[str] = ALL_ROLES
    change_roles: frozenset[str] = CATALOG_EDITORS

    def _q(self, user: Any, roles: frozenset[str]) -> Q:
        if is_superuser(user):
            return Q()
        return Q(**{f"{self.path}__in": sorted(institution_ids(user, roles))})

    def visible(self, user: Any) -> Q:
        """Rows this user may see, as a filter."""
        return self._q(user, self.view_roles)

    def changeable(self, user: Any) -> Q:
        """Rows this user may change, as a filter."""
        return self._q(user, self.change_roles)

    def institution_id_of(self, obj: Model) -> int | None:
        *hops, last = self.path.split("__")
        target: Any = obj
        for hop in hops:
            target = getattr(target, hop, None)
            if target is None:
                return None
        return target.pk if last == "pk" else getattr(target, f"{last}_id", None)

    def _may(self, user: Any, obj: Model | None, roles: frozenset[str]) -> bool:
        if is_superuser(user):
            return True
        ids = institution_ids(user, roles)
        if obj is None:
            return bool(ids)
        return self.institution_id_of(obj) in ids

    def can_view(self, user: Any, obj: Model | None = None) -> bool:
        """With no object: whether the user may see any such row at all."""
        return self._may(user, obj, self.view_roles)

    def can_change(self, user: Any, obj: Model | None = None) -> bool:
        """With no object: whether the user may change (or add) any such row at all."""
        return self._may(user, obj, self.change_roles)

    def institutions_for_change(self, user: Any) -> Q:
        """The institutions under which this user may create such rows, as a filter on them."""
        if is_superuser(user):
            return Q()
        return Q(pk__in=sorted(institution_ids(user, self.change_roles)))


INSTITUTION = InstitutionRule("pk", change_roles=INSTITUTION_ADMINS)
MEMBERSHIP = InstitutionRule("institution", change_roles=INSTITUTION_ADMINS)
