from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from institutions.admin import colleagues
from institutions.models import Institution
from institutions.rules import INSTITUTION_ADMINS, institution_ids, is_superuser

from .models import User


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "display_name"]


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Superusers manage everyone; an institution admin manages their institution's people."""

    form = UserEditForm
    add_form = UserCreationForm
    ordering = ["email"]
    list_display = ["email", "display_name", "learner_type", "home_institution", "is_active"]
    list_filter = ["learner_type", "is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "display_name", "member_number"]
    list_select_related = ["home_institution"]
    readonly_fields = ["public_id", "email_verified_at", "last_login", "date_joined", "updated_at"]
    fieldsets = [
        (None, {"fields": ["email", "email_verified_at", "password"]}),
        (
            _("Profile"),
            {
                "fields": [
                    "display_name",
                    "preferred_language",
                    "learner_type",
                    "home_institution",
                    "member_number",
                    ("sex", "sex_consent"),
                ]
            },
        ),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Record"), {"fields": ["public_id", "last_login", "date_joined", "updated_at"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "display_name", "password1", "password2"],
            },
        ),
    ]
    filter_horizontal = ["groups", "user_permissions"]

    def _is_institution_admin(self, request: HttpRequest) -> bool:
        return bool(institution_ids(request.user, INSTITUTION_ADMINS))

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).filter(colleagues(request.user))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_superuser(request.user) or self._is_institution_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if is_superuser(request.user):
            return True
        if not self._is_institution_admin(request):
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if obj is not None and getattr(obj, "is_superuser", False):
            return is_superuser(request.user)
        return self.has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # People are deactivated, never deleted: their enrollments are the project's record.
        return is_superuser(request.user) and (obj is None or not obj.pk)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if not is_superuser(request.user):
            fields += ["is_staff", "is_superuser", "groups", "user_permissions"]
        return fields

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field and db_field.name == "home_institution" and not is_superuser(request.user):
            field.queryset = Institution.objects.filter(
                pk__in=institution_ids(request.user, INSTITUTION_ADMINS)
            )
        return field
