"""The row locks' hand-written SQL reads what select_for_update().get(pk=...) read."""

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from courses.models import Offering
from enrollment import locks
from tests.factories import OfferingFactory, UserFactory


def fields(row: object) -> dict[str, object]:
    return {f.attname: getattr(row, f.attname) for f in type(row)._meta.concrete_fields}


@pytest.mark.django_db
def test_a_locked_row_is_the_row_the_orm_reads():
    learner, offering = UserFactory(), OfferingFactory()
    with transaction.atomic():
        locked_learner, locked = locks.lock_learner_and_offering(learner.pk, offering.pk)
    assert type(locked_learner) is User
    assert type(locked) is Offering
    assert fields(locked_learner) == fields(User.objects.get(pk=learner.pk))
    assert fields(locked) == fields(Offering.objects.get(pk=offering.pk))
    assert locked.course.institution == offering.course.institution  # related rows still load


@pytest.mark.django_db
def test_an_unknown_id_raises_does_not_exist():
    offering = OfferingFactory()
    with transaction.atomic(), pytest.raises(User.DoesNotExist):
        locks.lock_learner_and_offering(0, offering.pk)
    with transaction.atomic(), pytest.raises(Offering.DoesNotExist):
        locks.lock_offering(0, known=offering)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_rows_are_locked_and_only_inside_a_transaction():
    learner, offering = UserFactory(), OfferingFactory()
    with pytest.raises(TransactionManagementError):
        locks.lock_learner_and_offering(learner.pk, offering.pk)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        locks.lock_learner_and_offering(learner.pk, offering.pk, known=offering)
    sent = [q["sql"] for q in queries.captured_queries]
    assert len(sent) == 2
    assert all(sql.endswith("FOR UPDATE") for sql in sent)
