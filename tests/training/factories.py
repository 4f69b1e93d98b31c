"""Factories for training tests."""

from datetime import date

import factory
from django.utils import timezone

from training.models import Completion, Course, CourseRequirement, Session


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"C{n:03d}")
    title_zh = factory.LazyAttribute(lambda o: f"课程{o.code}")
    title_en = factory.LazyAttribute(lambda o: f"Course {o.code}")
    category = Course.Category.RISK_CONTROL
    frequency = Course.Frequency.QUARTERLY
    pass_mark = 60


class RequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CourseRequirement

    course = factory.SubFactory(CourseFactory)
    role = "risk_initial"
    active_from = date(2020, 1, 1)


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    course = factory.SubFactory(CourseFactory)
    starts_at = factory.LazyFunction(timezone.now)
    capacity = 10
    location = "Training room 1"


def complete(user, course, on: date, score: int = 90) -> Completion:
    return Completion.objects.create(
        user=user, course=course, completed_on=on, score=score, source=Completion.Source.EXTERNAL
    )
