"""One demo bank shared by the reliability suites: the `small` demo seed plus the people the
matrix needs (a customer who does not own the objects, a branch manager of another branch).

Every parameterised URL gets a real object that belongs to the demo `customer` login and to the
demo `branch_manager`'s branch, so "owner vs non-owner" and "same vs other branch" cells are real
object-level checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings

from qc_portal.roles import Role
from tests.factories import CustomerFactory, UserFactory, make_staff

ANON = "anonymous"
OTHER_CUSTOMER = "other_customer"
OTHER_BRANCH_MANAGER = "other_branch_manager"
PRINCIPALS = [ANON, *[role.value for role in Role], OTHER_CUSTOMER, OTHER_BRANCH_MANAGER]


@dataclass
class World:
    users: dict = field(default_factory=dict)  # principal -> user (None for anonymous)
    kwargs: dict = field(default_factory=dict)  # url name -> kwargs
    branch: object = None
    other_branch: object = None


def build_world() -> World:
    with override_settings(DEBUG=True):
        call_command("seed_demo", scale="small", verbosity=0)
    from assistant.models import ChatSession, FaqEntry
    from credit.models import Application, Loan
    from integration.models import DataSet, InboundBatch, InboundRecord, SourceSystem
    from kpis.models import PlanStep
    from qc_portal.alerts import visible_alerts
    from qc_portal.models import Branch
    from services.models import ServiceRecord
    from training.models import (
        Course,
        CourseRequirement,
        Enrollment,
        Idea,
        Session,
        Survey,
        TrainingPlan,
    )
    from transparency.models import Case, Manual

    User = get_user_model()
    world = World()
    for role in Role:
        world.users[role.value] = User.objects.get(username=role.value)
    world.users[ANON] = None
    manager = world.users[Role.BRANCH_MANAGER]
    world.branch = manager.staff_profile.branch
    world.other_branch = Branch.objects.exclude(pk=world.branch.pk).order_by("code").first()
    # Explicit numbers: factory sequences restart per process and could meet the demo's.
    world.users[OTHER_BRANCH_MANAGER] = make_staff(
        "branch_manager",
        branch=world.other_branch,
        username="rel_other_manager",
        employee_number="REL-OBM-1",
    )
    other_customer = UserFactory(username="rel_other_customer", roles=["customer"])
    CustomerFactory(
        user=other_customer, home_branch=world.other_branch, customer_number="REL-OC-0001"
    )
    world.users[OTHER_CUSTOMER] = other_customer
    customer = world.users[Role.CUSTOMER].customer
    agent = world.users[Role.SERVICE_AGENT]

    case = Case.objects.filter(customer=customer).order_by("-pk").first()
    application = Application.objects.filter(customer=customer).order_by("-pk").first()
    loan = Loan.objects.filter(branch=world.branch).order_by("pk").first()
    record = ServiceRecord.objects.filter(customer=customer).order_by("-pk").first() or (
        ServiceRecord.objects.filter(branch=world.branch).order_by("-pk").first()
    )
    source = SourceSystem.objects.order_by("code").first()
    inbound = InboundRecord.objects.order_by("pk").first()
    batch = InboundBatch.objects.order_by("pk").first() or InboundBatch.objects.create(
        source=source, record_type="service_record"
    )
    dataset = DataSet.objects.order_by("code").first()
    course = Course.objects.order_by("pk").first()
    enrollment = Enrollment.objects.filter(user=agent).order_by("-pk").first()
    chat = ChatSession.objects.filter(customer=customer).order_by("-pk").first()
    alert = visible_alerts(manager).filter(branch=world.branch).order_by("pk").first()
    pk = lambda obj: obj.pk if obj is not None else 999_999  # noqa: E731
    world.kwargs = {
        "alert-handle": {"pk": pk(alert)},
        "password_reset_confirm": {"uidb64": "MQ", "token": "set-password"},
        "services-live-queue": {"code": world.branch.code},
        "transparency-api-track": {"reference": case.reference},
        "transparency-api-my-case": {"reference": case.reference},
        "credit-application": {"pk": application.pk},
        "credit-application-decisions": {"pk": application.pk},
        "credit-application-resubmit": {"pk": application.pk},
        "ingest-batch": {"batch_id": pk(batch)},
        "ingest": {"record_type": "service_record"},
        "dataset-records": {"code": dataset.code},
        "training-enroll": {"pk": Session.objects.order_by("-starts_at").first().pk},
        "training-survey-answers": {"pk": Survey.objects.order_by("-pk").first().pk},
        "assistant-api-session": {
            "session": str(chat.public_id) if chat else "00000000-0000-0000-0000-000000000000"
        },
        "assistant-api-feedback": {
            "session": str(chat.public_id) if chat else "00000000-0000-0000-0000-000000000000"
        },
        "services:console-new": {"kind": "ticket"},
        "services:console-act": {"pk": record.pk, "verb": "call"},
        "services:rate-submit": {"pk": record.pk},
        "transparency:manual": {
            "business_type": Manual.objects.order_by("pk").first().business_type
        },
        "transparency:manual-publish": {
            "business_type": Manual.objects.order_by("pk").first().business_type
        },
        "transparency:my-case": {"reference": case.reference},
        "transparency:case-detail": {"reference": case.reference},
        "transparency:case-act": {"reference": case.reference},
        "credit:application": {"pk": application.pk},
        "credit:decide": {"pk": application.pk},
        "credit:resubmit": {"pk": application.pk},
        "credit:loan": {"pk": pk(loan)},
        "integration:source-detail": {"code": source.code},
        "integration:source-update": {"code": source.code},
        "integration:source-rotate": {"code": source.code},
        "integration:source-status": {"code": source.code},
        "integration:source-evaluation": {"code": source.code},
        "integration:record-replay": {"pk": inbound.pk},
        "integration:dataset-sharing": {"code": dataset.code},
        "training:plan-publish": {"pk": TrainingPlan.objects.order_by("-pk").first().pk},
        "training:session": {"pk": Session.objects.order_by("-starts_at").first().pk},
        "training:session-enroll": {"pk": Session.objects.order_by("-starts_at").first().pk},
        "training:course": {"pk": course.pk},
        "training:course-report": {"pk": course.pk},
        "training:requirement-add": {"pk": course.pk},
        "training:question-add": {"pk": course.pk},
        "training:requirement-end": {"pk": CourseRequirement.objects.order_by("pk").first().pk},
        "training:withdraw": {"pk": pk(enrollment)},
        "training:quiz": {"pk": pk(enrollment)},
        "training:feedback": {"pk": pk(enrollment)},
        "training:survey": {"pk": Survey.objects.order_by("-pk").first().pk},
        "training:survey-results": {"pk": Survey.objects.order_by("-pk").first().pk},
        "training:idea-support": {"pk": Idea.objects.order_by("pk").first().pk},
        "training:idea-review": {"pk": Idea.objects.order_by("pk").first().pk},
        "assistant:feedback": {
            "session": str(chat.public_id) if chat else "00000000-0000-0000-0000-000000000000",
            "position": 1,
        },
        "assistant:handover": {
            "session": str(chat.public_id) if chat else "00000000-0000-0000-0000-000000000000"
        },
        "assistant:faq-edit": {"key": FaqEntry.objects.order_by("pk").first().key},
        "assistant:faq-retire": {"key": FaqEntry.objects.order_by("pk").first().key},
        "kpis:kpi-detail": {"code": "services.csat"},
        "kpis:plan-step-done": {
            "pk": PlanStep.objects.filter(done_at__isnull=True).order_by("pk").first().pk
        },
        "kpis:export": {"fmt": "csv"},
    }
    return world
