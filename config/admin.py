from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from institutions.rules import is_institution_staff


class YuchuangAdminSite(admin.AdminSite):
    """The staff site. Institution staff get in through their membership, not `is_staff`.

    What each of them sees inside is decided by the rules in `institutions.rules`.
    """

    site_header = _("Yuchuang administration")
    site_title = _("Yuchuang admin")
    index_title = _("Site administration")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and (user.is_staff or is_institution_staff(user)))
