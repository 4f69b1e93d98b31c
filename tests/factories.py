"""Factories for the organisation core. Each app keeps its own in tests/<app>/factories.py."""

from datetime import date

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from qc_portal.models import Branch, Customer, Department, StaffProfile

PASSWORD = "test-pass-123"


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"T{n:03d}")
    name_zh = factory.LazyAttribute(lambda o: f"测试支行{o.code}")
    name_en = factory.LazyAttribute(lambda o: f"Test branch {o.code}")
    city = "北京"


def department(code: str = "retail") -> Department:
    return Department.objects.get(code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@bank.example")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*[Group.objects.get(name=role) for role in extracted])
        if create:
            self.save()


class StaffProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffProfile

    user = factory.SubFactory(UserFactory)
    employee_number = factory.Sequence(lambda n: f"T{n:06d}")
    full_name = factory.Sequence(lambda n: f"员工{n}")
    branch = factory.SubFactory(BranchFactory)
    department = factory.LazyFunction(lambda: department("retail"))
    position = "柜员"
    hired_on = date(2020, 1, 1)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    customer_number = factory.Sequence(lambda n: f"C{n:08d}")
    name = factory.Sequence(lambda n: f"客户{n}")
    id_number_masked = "1101**********1234"
    phone = "13800000000"
    email = factory.Sequence(lambda n: f"customer{n}@mail.example")
    home_branch = factory.SubFactory(BranchFactory)


def make_staff(
    role: str,
    *,
    branch: Branch,
    username: str | None = None,
    department_code: str = "retail",
    **profile,
):
    """A user holding `role`, with a staff profile at `branch`."""
    user = UserFactory(username=username, roles=[role]) if username else UserFactory(roles=[role])
    StaffProfileFactory(user=user, branch=branch, department=department(department_code), **profile)
    return user


def make_customer_user(*, branch: Branch, username: str | None = None) -> tuple:
    user = (
        UserFactory(username=username, roles=["customer"])
        if username
        else UserFactory(roles=["customer"])
    )
    customer = CustomerFactory(user=user, home_branch=branch)
    return user, customer
