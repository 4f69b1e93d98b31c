"""Early warnings: each raised once, with its evidence, to the risk managers."""

from datetime import date
from decimal import Decimal

import pytest

from credit import actions
from credit.models import Loan
from qc_portal.models import Alert, Notification
from tests.credit.factories import make_loan
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 11, 20)


@pytest.fixture
def book(branch, relationship_manager):
    # 40 performing borrowers of 1,000 each, so no single one is concentrated.
    customers = CustomerFactory.create_batch(40, home_branch=branch)
    return [make_loan(customer=c, officer=relationship_manager, balance="1000") for c in customers]


def run():
    return actions.run_early_warnings(as_of=AS_OF)


def test_a_quiet_book_raises_nothing(book, risk_manager):
    assert sum(run().values()) == 0


def test_crossing_30_60_90_days_is_reported_once_each(book, risk_manager):
    loan = book[0]
    Loan.objects.filter(pk=loan.pk).update(days_past_due=30)
    assert run()["dpd"] == 1
    assert run()["dpd"] == 0
    Loan.objects.filter(pk=loan.pk).update(days_past_due=61)
    assert run()["dpd"] == 1
    Loan.objects.filter(pk=loan.pk).update(days_past_due=29)
    assert run()["dpd"] == 0
    keys = set(Alert.objects.filter(kind="credit.days_past_due").values_list("key", flat=True))
    assert keys == {f"credit.dpd:{loan.pk}:30", f"credit.dpd:{loan.pk}:60"}
    alert = Alert.objects.get(key=f"credit.dpd:{loan.pk}:60")
    assert alert.evidence["days_past_due"] == 61
    assert Notification.objects.filter(alert=alert, user=risk_manager).exists()


def test_a_first_record_far_overdue_reports_the_highest_threshold_only(book, risk_manager):
    Loan.objects.filter(pk=book[0].pk).update(days_past_due=95)
    run()
    assert list(
        Alert.objects.filter(kind="credit.days_past_due").values_list("key", flat=True)
    ) == [f"credit.dpd:{book[0].pk}:90"]


def test_a_downgrade_is_reported_once(book, risk_manager):
    actions.update_loan_status(
        book[0], balance=Decimal("1000"), days_past_due=5, as_of=AS_OF, source_label="source:core"
    )
    assert run()["downgrade"] == 1
    assert run()["downgrade"] == 0
    alert = Alert.objects.get(kind="credit.downgrade")
    assert alert.evidence["from"] == "normal" and alert.evidence["to"] == "special_mention"


def test_single_borrower_concentration_above_the_share(
    book, branch, relationship_manager, risk_manager, settings
):
    settings.QC_CREDIT_CONCENTRATION_SHARE = "0.10"
    whale = CustomerFactory(home_branch=branch)
    make_loan(
        customer=whale, officer=relationship_manager, balance="4444"
    )  # 4444 / 44444 = 9.999 %
    assert run()["concentration"] == 0
    make_loan(customer=whale, officer=relationship_manager, balance="2")  # 4446 / 44446 > 10 %
    assert run()["concentration"] == 1
    assert run()["concentration"] == 0
    assert (
        Alert.objects.get(kind="credit.concentration").evidence["customer"] == whale.customer_number
    )


def test_branch_and_product_npl_near_the_limit(book, risk_manager, settings):
    settings.QC_CREDIT_NPL_WARNING_RATIO = "0.018"
    # One NPL of 1,000 in 40,000: 2.5 % at the branch and for the product.
    Loan.objects.filter(pk=book[0].pk).update(days_past_due=100, category="substandard")
    counts = run()
    assert counts["npl_near_limit"] == 2
    assert run()["npl_near_limit"] == 0
    alerts = Alert.objects.filter(kind="credit.npl_near_limit")
    assert {a.evidence["dimension"] for a in alerts} == {"branch", "product"}
    assert all(a.severity == "critical" for a in alerts)


def test_a_growing_npl_balance_is_reported_once_a_quarter(book, risk_manager):
    Loan.objects.filter(pk=book[0].pk).update(category="substandard", days_past_due=100)
    actions.take_snapshot(as_of=date(2026, 9, 30))
    assert run()["npl_growth"] == 0
    Loan.objects.filter(pk=book[1].pk).update(category="doubtful", days_past_due=300)
    assert run()["npl_growth"] == 1
    assert run()["npl_growth"] == 0
    alert = Alert.objects.get(kind="credit.npl_growth")
    assert Decimal(alert.evidence["npl_now"]) == 2000
    assert Decimal(alert.evidence["npl_previous_quarter_end"]) == 1000


def test_risk_managers_acknowledge_and_close_warnings(book, risk_manager):
    from qc_portal.alerts import handle_alert

    Loan.objects.filter(pk=book[0].pk).update(days_past_due=30)
    run()
    alert = Alert.objects.get(kind="credit.days_past_due")
    handle_alert(alert, status="acknowledged", note="calling the borrower", actor=risk_manager)
    handle_alert(alert, status="closed", note="paid", actor=risk_manager)
    alert.refresh_from_db()
    assert alert.status == "closed"
