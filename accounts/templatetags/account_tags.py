from typing import Any

from django import template

from institutions.rules import is_institution_staff

register = template.Library()


@register.simple_tag
def can_use_admin(user: Any) -> bool:
    """Whether the admin site lets this user in: the same test as YuchuangAdminSite."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_staff or is_institution_staff(user))
