import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qc_portal.models import AuditEvent
from transparency import actions, queries
from transparency.models import Case, CaseEvent, CaseStep, Outbox

LOAN_STEPS = ["submitted", "initial_review", "second_review", "final_approval", "disbursement"]


@pytest.mark.django_db
def test_seeded_templates_have_the_credit_step_codes():
    from transparency.models import ProcessTemplate

    for business_type in ("consumer_loan", "mortgage", "business_loan"):
        template = ProcessTemplate.objects.get(business_type=business_type, is_current=True)
        assert list(template.steps.values_list("code", flat=True)) == LOAN_STEPS
    for business_type in ("account_opening", "card_application", "wealth_product"):
        template = ProcessTemplate.objects.get(business_type=business_type, is_current=True)
        assert template.steps.count() >= 3
        assert all(step.name_zh and step.name_en and step.duration for step in template.steps.all())


def test_open_case_starts_first_step_and_hashes_code(open_case, relationship_manager):
    case, code = open_case
    assert len(case.reference) == 10 and case.reference.isalnum()
    assert code not in case.access_code_hash
    assert actions.access_code_matches(case, code)
    assert actions.access_code_matches(case, code.lower())
    assert not actions.access_code_matches(case, "WRONG234")
    assert case.status == Case.Status.OPEN
    assert case.current_step.step.code == "submitted"
    assert case.expected_completion_at > case.current_step.due_at
    assert AuditEvent.objects.filter(
        action="transparency.case_opened", target_id=str(case.pk)
    ).exists()


def test_references_are_not_sequential(customer, branch, relationship_manager):
    refs = {
        actions.open_case(
            customer.customer, business_type="mortgage", branch=branch, actor=relationship_manager
        )[0].reference
        for _ in range(5)
    }
    assert len(refs) == 5


def test_advance_walks_steps_in_order_and_jumps_back(open_case, risk_initial):
    case, _code = open_case
    case = actions.advance_case(case, actor=risk_initial)
    assert case.current_step.step.code == "initial_review"
    case = actions.advance_case(
        case, actor=risk_initial, to_step="submitted", note="Please bring your payslips"
    )
    assert case.current_step.step.code == "submitted"
    visible = [e.kind for e in queries.customer_timeline(case)]
    assert visible.count("step_finished") == 2 and "note" in visible
    with pytest.raises(ValidationError):
        actions.advance_case(case, actor=risk_initial, to_step="nope")


def test_advance_past_last_step_is_refused(open_case, relationship_manager):
    case, _code = open_case
    for _ in LOAN_STEPS[1:]:
        case = actions.advance_case(case, actor=relationship_manager)
    with pytest.raises(ValidationError):
        actions.advance_case(case, actor=relationship_manager)
    case = actions.complete_case(case, actor=relationship_manager, note="Funds paid")
    assert case.status == Case.Status.COMPLETED and case.closed_at
    assert CaseStep.objects.filter(case=case, outcome="done").count() == 5
    with pytest.raises(ValidationError):
        actions.advance_case(case, actor=relationship_manager)


def test_reject_reason_is_internal(open_case, relationship_manager):
    case, _code = open_case
    case = actions.reject_case(case, actor=relationship_manager, reason="score 412 below cut-off")
    assert case.status == Case.Status.REJECTED
    texts = [e.text for e in queries.customer_timeline(case)]
    assert "score 412 below cut-off" not in texts
    assert CaseEvent.objects.filter(
        case=case, text="score 412 below cut-off", customer_visible=False
    ).exists()
    with pytest.raises(ValidationError):
        actions.cancel_case(case, actor=relationship_manager, reason="again")


def test_cancel_needs_reason(open_case, relationship_manager):
    case, _code = open_case
    with pytest.raises(ValidationError):
        actions.cancel_case(case, actor=relationship_manager, reason=" ")
    case = actions.cancel_case(case, actor=relationship_manager, reason="customer withdrew")
    assert case.status == Case.Status.CANCELLED


def test_other_branch_staff_and_read_only_roles_cannot_act(
    open_case, other_service_agent, auditor, customer
):
    case, _code = open_case
    for outsider in (other_service_agent, auditor, customer):
        with pytest.raises(PermissionDenied):
            actions.advance_case(case, actor=outsider)
        with pytest.raises(PermissionDenied):
            actions.add_note(case, actor=outsider, text="x")


def test_system_actor_with_label_is_audited(open_case):
    case, _code = open_case
    actions.advance_case(case, actor=None, actor_label="source:core")
    event = AuditEvent.objects.filter(action="transparency.case_advanced").first()
    assert event.actor is None and event.actor_label == "source:core"


def test_customer_sees_staff_name_only(open_case, relationship_manager):
    case, _code = open_case
    event = queries.customer_timeline(case).first()
    assert event.actor_name == relationship_manager.staff_profile.full_name


def test_unknown_business_type_is_refused(customer, branch, relationship_manager):
    with pytest.raises(ValidationError):
        actions.open_case(
            customer.customer, business_type="yacht", branch=branch, actor=relationship_manager
        )


def test_each_move_writes_outbox_rows(open_case, relationship_manager):
    case, _code = open_case
    before = Outbox.objects.filter(case=case).count()
    actions.advance_case(case, actor=relationship_manager)
    assert Outbox.objects.filter(case=case).count() == before + 2  # e-mail and SMS


def _steps(codes, days=1):
    return [
        {
            "code": c,
            "name_zh": c,
            "name_en": c,
            "department_code": "retail",
            "duration": days,
            "duration_unit": "days",
        }
        for c in codes
    ]


def test_a_case_keeps_its_template_version(open_case, head_office, relationship_manager):
    case, _code = open_case
    old = case.template
    new = actions.publish_template_version(
        "consumer_loan",
        name_zh="消费贷",
        name_en="Consumer loan",
        steps=_steps(LOAN_STEPS, days=3),
        actor=head_office,
    )
    assert new.version == old.version + 1 and new.is_current
    old.refresh_from_db()
    assert not old.is_current
    case = actions.advance_case(case, actor=relationship_manager)
    assert case.template == old and case.current_step.step.template == old
    newer, _ = actions.open_case(
        case.customer, business_type="consumer_loan", branch=case.branch, actor=relationship_manager
    )
    assert newer.template == new


def test_only_head_office_changes_a_process_and_steps_are_checked(db, branch_manager, head_office):
    with pytest.raises(PermissionDenied):
        actions.publish_template_version(
            "mortgage", name_zh="x", name_en="x", steps=_steps(["a"]), actor=branch_manager
        )
    with pytest.raises(ValidationError):
        actions.publish_template_version(
            "mortgage", name_zh="x", name_en="x", steps=_steps(["a", "a"]), actor=head_office
        )
    with pytest.raises(ValidationError):
        actions.publish_template_version(
            "mortgage", name_zh="x", name_en="x", steps=[], actor=head_office
        )
    with pytest.raises(ValidationError):
        actions.publish_template_version(
            "mortgage", name_zh="x", name_en="x", steps=_steps(["a"], days=0), actor=head_office
        )
