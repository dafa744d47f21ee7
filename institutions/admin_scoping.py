"""Admin classes that show and change only what the user's institution roles allow.

Every admin path goes through these hooks: change lists and direct URLs (get_queryset), the
add/change/delete buttons and views (has_*_permission), autocomplete (the related admin's
get_queryset), and foreign-key and many-to-many choices (formfield_for_*).
"""

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest

from .models import Institution
from .rules import InstitutionRule

# A related field's allowed choices: a rule (the rows the user may change) or a function.
ChoiceScope = InstitutionRule | Callable[[Any], Q]


class ScopedChoicesMixin:
    """Limits foreign-key and many-to-many choices to what the user may use."""

    rule: InstitutionRule
    # Related fields whose choices are scoped, besides foreign keys to Institution itself.
    scoped_choices: dict[str, ChoiceScope] = {}

    def _choice_filter(self, name: str, related: type[Model], user: Any) -> Q | None:
        scope = self.scoped_choices.get(name)
        if isinstance(scope, InstitutionRule):
            return scope.changeable(user)
        if scope is not None:
            return scope(user)
        if related is Institution:
            return self.rule.institutions_for_change(user)
        return None

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]
        choices = self._choice_filter(db_field.name, db_field.related_model, request.user)
        if field is not None and choices is not None:
            field.queryset = field.queryset.filter(choices)
        return field

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]
        choices = self._choice_filter(db_field.name, db_field.related_model, request.user)
        if field is not None and choices is not None:
            field.queryset = field.queryset.filter(choices).distinct()
        return field


class InstitutionScopedAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    """`rule` decides which rows the user sees and which they may change, add or delete."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).filter(self.rule.visible(request.user))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.rule.can_view(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.rule.can_view(request.user, obj)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.rule.can_change(request.user, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.rule.can_change(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.rule.can_change(request.user, obj)


class InstitutionScopedInline(ScopedChoicesMixin, admin.TabularInline):
    """Rows edited under a parent object: `rule` is the parent's rule, asked about the parent."""

    extra = 0

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.rule.can_view(request.user, obj)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.rule.can_change(request.user, obj)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.rule.can_change(request.user, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.rule.can_change(request.user, obj)
