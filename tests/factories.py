"""factory_boy factories for every model the tests build."""

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import User
from courses.models import Course, Offering, Program, Term, Topic
from enrollment.models import Enrollment
from institutions.models import Institution, StaffMembership


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    code = factory.Sequence(lambda n: f"INST{n}")
    name_zh = factory.Sequence(lambda n: f"测试学院{n}")
    name_en = factory.Sequence(lambda n: f"Test College {n}")
    kind = Institution.Kind.UNIVERSITY
    district = "南岸区"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    learner_type = User.LearnerType.STUDENT
    password = factory.django.Password("pw-for-tests")
    email_verified_at = factory.LazyFunction(timezone.now)


class StaffMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMembership

    user = factory.SubFactory(UserFactory)
    institution = factory.SubFactory(InstitutionFactory)
    role = StaffMembership.Role.COURSE_MANAGER


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"topic-{n}")
    name_zh = factory.Sequence(lambda n: f"主题{n}")
    name_en = factory.Sequence(lambda n: f"Topic {n}")


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    institution = factory.SubFactory(InstitutionFactory)
    code = factory.Sequence(lambda n: f"P{n}")
    name_zh = factory.Sequence(lambda n: f"创新创业项目{n}")
    name_en = factory.Sequence(lambda n: f"Innovation Program {n}")
    kind = Program.Kind.MINOR


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course
        skip_postgeneration_save = True

    institution = factory.SubFactory(InstitutionFactory)
    code = factory.Sequence(lambda n: f"C{n:03d}")
    title_zh = factory.Sequence(lambda n: f"课程{n}")
    title_en = factory.Sequence(lambda n: f"Course {n}")
    credits = Decimal("2.0")
    class_hours = 32

    @factory.post_generation
    def topics(self, create: bool, extracted: list[Topic] | None, **kwargs: object) -> None:
        if create and extracted:
            self.topics.set(extracted)

    @factory.post_generation
    def programs(self, create: bool, extracted: list[Program] | None, **kwargs: object) -> None:
        if create and extracted:
            self.programs.set(extracted)


class TermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Term
        django_get_or_create = ["institution", "code"]

    institution = factory.SubFactory(InstitutionFactory)
    code = "2027-spring"
    name_zh = "2027年春季学期"
    name_en = "Spring 2027"
    starts_on = date(2027, 2, 23)
    ends_on = date(2027, 7, 5)


class OfferingFactory(factory.django.DjangoModelFactory):
    """A published offering taking enrollments now, in a term of the course's institution."""

    class Meta:
        model = Offering

    course = factory.SubFactory(CourseFactory)
    term = factory.LazyAttribute(lambda o: TermFactory(institution=o.course.institution))
    section = factory.Sequence(lambda n: f"{n:02d}")
    starts_on = date(2027, 3, 2)
    ends_on = date(2027, 6, 20)
    capacity = 30
    waitlist_capacity = 10
    enrollment_opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    enrollment_closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    drop_deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=40))
    status = Offering.Status.PUBLISHED


class EnrollmentFactory(factory.django.DjangoModelFactory):
    """A bare row for read-side tests; state changes go through enrollment.services."""

    class Meta:
        model = Enrollment

    learner = factory.SubFactory(UserFactory)
    offering = factory.SubFactory(OfferingFactory)
    status = Enrollment.Status.ENROLLED
