"""Who may read results: the project office and superusers every owner's, institution staff
(any role) their own institutions' only, learners and anonymous visitors none.

The project office is city-wide and reads everything; it also edits indicators and targets
(see `can_edit_indicators`). Institution staff never edit indicators.
"""

from typing import Any

from institutions.models import Institution
from institutions.rules import institution_ids, is_superuser

from .models import ProjectOfficeMember

_CACHE_ATTR = "_is_project_office"


def is_project_office(user: Any) -> bool:
    """An active user with a project office membership; cached on the user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = ProjectOfficeMember.objects.filter(user=user).exists()
        setattr(user, _CACHE_ATTR, cached)
    return bool(cached)


def sees_all(user: Any) -> bool:
    return is_superuser(user) or is_project_office(user)


def visible_institutions(user: Any) -> frozenset[int] | None:
    """The owners whose results this user may read: None means all of them."""
    if sees_all(user):
        return None
    return frozenset(institution_ids(user))


def can_view(user: Any, institution: Institution | int | None = None) -> bool:
    """With no institution: whether the user may read any results at all."""
    visible = visible_institutions(user)
    if visible is None:
        return True
    if institution is None:
        return bool(visible)
    pk = institution if isinstance(institution, int) else institution.pk
    return pk in visible


def can_edit_indicators(user: Any) -> bool:
    return sees_all(user)
