"""Who may run an offering's roster: the institution's catalog editors and its instructors."""

from typing import Any

from courses.models import Offering
from courses.rules import OFFERING
from institutions.rules import is_superuser

from .exceptions import NotAllowed


def can_manage_roster(user: Any, offering: Offering) -> bool:
    """Superusers, the owner's admins and course managers, and the offering's own instructors."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_superuser(user) or OFFERING.can_change(user, offering):
        return True
    return OFFERING.can_view(user, offering) and offering.instructors.filter(pk=user.pk).exists()


def require_roster_manager(user: Any, offering: Offering) -> None:
    if not can_manage_roster(user, offering):
        raise NotAllowed("not_allowed")
