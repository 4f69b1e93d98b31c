from datetime import date

from transparency import actions

MANUAL_BODY_EN = """# Consumer loan

## Application received {#submitted}
Bring your ID card and proof of income.

## Initial review {#initial_review}
A risk officer checks your documents. <script>alert('x')</script>

## Second review {#second_review}
Another officer reviews.
"""


def publish_manual(
    business_type="consumer_loan", *, published_on=None, next_review_on=None, body=MANUAL_BODY_EN
):
    return actions.publish_manual(
        business_type,
        title_zh="个人消费贷款办理手册",
        title_en="Consumer loan manual",
        body_zh=body,
        body_en=body,
        department_code="retail",
        published_on=published_on or date(2026, 1, 5),
        next_review_on=next_review_on or date(2027, 1, 5),
        actor=None,
    )
