"""Which learners a partner organisation may see and act for."""

from typing import Any

from django.db.models import Exists, OuterRef, Q

from .models import PartnerLearner


def partner_learners_q(organisation: Any, field: str = "pk") -> Q:
    """A filter on users (or on a `field` leading to a user): the partner's own learners.

    A partner's learners are those it registered (PartnerLearner rows). Its own staff accounts
    are not learners of it.
    """
    registered = PartnerLearner.objects.filter(organisation=organisation, user_id=OuterRef(field))
    return Q(Exists(registered))


def partner_owns_learner(organisation: Any, user: Any) -> bool:
    return PartnerLearner.objects.filter(
        organisation=organisation, user_id=getattr(user, "pk", user)
    ).exists()
