"""Base classes for resource viewsets."""

from typing import Any

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _
from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, AllowAny, BasePermission
from rest_framework.request import Request

from institutions.rules import InstitutionRule

from .authentication import partner_of
from .idempotency import IdempotentMixin
from .permissions import TokenScopes


class CatalogWrite(BasePermission):
    """Reading is public; writing needs a signed-in user whose role allows it (the view's rule)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request: Request, view: Any, obj: Model) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return view.rule.can_change(request.user, obj)


class CatalogViewSet(IdempotentMixin, viewsets.GenericViewSet):
    """A catalog resource owned by an institution: public reads, staff writes by `rule`.

    `public` is what everyone sees; the owner's staff also see their other rows (drafts,
    inactive ones). Partner tokens need catalog:read and cannot write.
    """

    rule: InstitutionRule
    public: Q = Q()
    permission_classes = [AllowAny, TokenScopes, CatalogWrite]
    required_scopes = {"list": ["catalog:read"], "retrieve": ["catalog:read"]}
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9a-fA-F-]{32,36}"
    ordering = ["updated_at", "id"]

    def visible(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        user = self.request.user
        if partner_of(self.request) is None and user and user.is_authenticated:
            return queryset.filter(self.public | self.rule.visible(user))
        return queryset.filter(self.public)

    # The field naming the row's owner (or the way to it), e.g. "institution" or "course".
    owner_field = "institution"

    def check_may_create_under(self, obj: Model) -> None:
        if not self.rule.can_change(self.request.user, obj):
            raise PermissionDenied(_("You cannot add to this institution's catalog."))

    def _check_owner(self, serializer: Any) -> None:
        owner = serializer.validated_data.get(self.owner_field)
        if owner is not None:
            model = serializer.Meta.model
            self.check_may_create_under(model(**{self.owner_field: owner}))

    def perform_create(self, serializer: Any) -> None:
        self._check_owner(serializer)
        serializer.save()

    def perform_update(self, serializer: Any) -> None:
        self._check_owner(serializer)
        serializer.save()
