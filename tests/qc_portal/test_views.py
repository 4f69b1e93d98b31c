"""The web shell: sign-in, the home page per role, alerts, error pages and the language switch."""

import re
from unittest import mock

import pytest
from django.test import override_settings
from django.utils.translation import gettext_lazy as _

from qc_portal.alerts import raise_alert
from qc_portal.models import Alert, Notification
from qc_portal.roles import Role

pytestmark = pytest.mark.django_db


def logged_in(client, user):
    client.force_login(user)
    return client


def switch_language(client, language: str):
    response = client.post("/i18n/setlang/", {"language": language, "next": "/accounts/login/"})
    assert response.status_code == 302


# --- sign-in and languages ---


def test_login_page_is_chinese_by_default(client):
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "登录质量控制门户" in html
    assert "Sign in to the QC Portal" not in html


def test_login_page_is_english_after_switching(client):
    switch_language(client, "en")
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in html
    assert "Sign in to the QC Portal" in html


def test_switching_back_to_chinese(client):
    switch_language(client, "en")
    switch_language(client, "zh-hans")
    assert "登录质量控制门户" in client.get("/accounts/login/").content.decode()


def test_language_switch_lists_both_languages_in_their_own_names(client):
    html = client.get("/accounts/login/").content.decode()
    assert ">简体中文</option>" in html and ">English</option>" in html


def test_wrong_password_says_so(client, branch_manager):
    response = client.post("/accounts/login/", {"username": "branch_manager", "password": "x"})
    assert response.status_code == 200
    assert "用户名或密码错误，请重试。" in response.content.decode()


def test_demo_hint_only_in_embedded_mode(client, settings):
    settings.DEBUG = False
    assert "QcDemo#2026" not in client.get("/accounts/login/").content.decode()
    settings.DEBUG = True
    assert "QcDemo#2026" in client.get("/accounts/login/").content.decode()


def test_sign_in_and_out(client, branch_manager):
    from tests.factories import PASSWORD

    response = client.post("/accounts/login/", {"username": "branch_manager", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/alerts/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/alerts/").status_code == 302


def test_every_template_string_has_a_chinese_translation():
    """The catalogue is complete: no msgid of qc_portal is left untranslated."""
    from pathlib import Path

    po = Path(__file__).resolve().parents[2] / "qc_portal/locale/zh_Hans/LC_MESSAGES/django.po"
    entries = po.read_text().split("\n\n")[1:]
    empty = [e for e in entries if re.search(r'msgstr(\[0\])? ""\Z', e.strip())]
    assert entries and not empty, empty


# --- home: each role to its place ---


def test_anonymous_home_goes_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_user_without_role_gets_a_clear_403_page(client, no_role_user):
    response = logged_in(client, no_role_user).get("/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "尚未分配角色" in html
    assert "nobody" in html
    assert 'class="mainnav"' not in html  # no menu: there is nothing to reach
    assert 'class="bell' not in html


def test_user_without_role_cannot_open_alerts(client, no_role_user):
    assert logged_in(client, no_role_user).get("/alerts/").status_code == 403


def test_home_redirects_each_role_to_its_home(client, service_agent, branch_manager):
    homes = {Role.SERVICE_AGENT: "alerts", Role.BRANCH_MANAGER: "api-me"}
    with mock.patch("qc_portal.nav._registry", return_value=([], homes)):
        assert logged_in(client, service_agent).get("/")["Location"] == "/alerts/"
        assert logged_in(client, branch_manager).get("/")["Location"] == "/api/v1/me/"


def test_most_specific_role_home_wins(client, db):
    from django.contrib.auth.models import Group

    from tests.factories import BranchFactory, make_staff

    user = make_staff(Role.BRANCH_MANAGER, branch=BranchFactory(), username="both")
    user.groups.add(Group.objects.get(name=Role.SERVICE_AGENT))
    homes = {Role.SERVICE_AGENT: "alerts", Role.BRANCH_MANAGER: "api-me"}
    with mock.patch("qc_portal.nav._registry", return_value=([], homes)):
        assert logged_in(client, user).get("/")["Location"] == "/alerts/"


def test_home_falls_back_to_the_home_page(client, hr_trainer):
    with mock.patch("qc_portal.nav._registry", return_value=([], {})):
        response = logged_in(client, hr_trainer).get("/")
    assert response.status_code == 200
    assert "欢迎使用质量控制门户" in response.content.decode()
    assert "培训专员" in response.content.decode()


def test_home_ignores_a_home_that_is_not_wired(client, hr_trainer):
    with mock.patch("qc_portal.nav._registry", return_value=([], {Role.HR_TRAINER: "nope:x"})):
        assert logged_in(client, hr_trainer).get("/").status_code == 200


# --- navigation ---


def test_navigation_shows_only_what_the_roles_allow(client, hr_trainer, customer):
    from qc_portal.nav import NavItem

    items = [
        NavItem(_("Alerts"), "alerts", roles=frozenset({Role.HR_TRAINER}), order=1),
        NavItem("Customer page", "api-me", roles=frozenset({Role.CUSTOMER}), order=2),
        NavItem("Not wired", "nope:x", roles=frozenset(Role), order=3),
    ]
    with mock.patch("qc_portal.nav._registry", return_value=(items, {})):
        staff_html = logged_in(client, hr_trainer).get("/").content.decode()
        customer_html = logged_in(client, customer).get("/").content.decode()
    assert 'href="/alerts/" aria-current="page"' not in staff_html  # not on that page
    assert 'href="/alerts/"' in staff_html and "Customer page" not in staff_html
    assert "Customer page" in customer_html
    assert 'class="bell' not in customer_html  # customers get no alerts


def test_current_section_is_marked(client, branch_manager):
    html = logged_in(client, branch_manager).get("/alerts/?status=closed").content.decode()
    assert 'href="/alerts/" aria-current="page"' in html


# --- alerts page ---


def make_alert(branch, key="a1", roles=(Role.BRANCH_MANAGER,), **kwargs) -> Alert:
    alert, _created = raise_alert(
        kind="services.queue",
        key=key,
        title=_("Queue too long"),
        roles=list(roles),
        branch=branch,
        **kwargs,
    )
    return alert


def test_bell_counts_unread_alerts(client, branch, branch_manager):
    make_alert(branch, "a1")
    make_alert(branch, "a2")
    with mock.patch("qc_portal.nav._registry", return_value=([], {})):
        html = logged_in(client, branch_manager).get("/").content.decode()
    assert '<span class="badge">2</span>' in html


def test_alerts_page_shows_my_alerts_and_marks_them_read(
    client, branch, other_branch, branch_manager, other_branch_manager
):
    make_alert(branch, "mine", evidence={"x": 1})
    make_alert(other_branch, "theirs")
    response = logged_in(client, branch_manager).get("/alerts/")
    assert response.status_code == 200
    assert [a.key for a in response.context["alerts"]] == ["mine"]
    assert not Notification.objects.filter(user=branch_manager, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=other_branch_manager, read_at__isnull=True).exists()


def test_alerts_page_query_count_is_flat(
    client, branch, branch_manager, django_assert_max_num_queries
):
    for n in range(5):
        make_alert(branch, f"k{n}")
    logged_in(client, branch_manager)
    client.get("/alerts/")  # warm the session
    with django_assert_max_num_queries(14):
        client.get("/alerts/")
    for n in range(5, 20):
        make_alert(branch, f"k{n}")
    with django_assert_max_num_queries(14):
        client.get("/alerts/")


def test_alerts_page_filters_by_status_and_kind(client, branch, branch_manager):
    make_alert(branch, "open")
    closed = make_alert(branch, "closed")
    Alert.objects.filter(pk=closed.pk).update(status=Alert.Status.CLOSED)
    logged_in(client, branch_manager)
    assert [a.key for a in client.get("/alerts/?status=closed").context["alerts"]] == ["closed"]
    assert [a.key for a in client.get("/alerts/?status=bogus").context["alerts"]] == ["open"]
    assert list(client.get("/alerts/?kind=other").context["alerts"]) == []


def test_alerts_page_is_paginated(client, branch, branch_manager):
    for n in range(55):
        make_alert(branch, f"k{n}")
    logged_in(client, branch_manager)
    assert len(client.get("/alerts/").context["alerts"]) == 50
    assert len(client.get("/alerts/?page=2").context["alerts"]) == 5
    assert len(client.get("/alerts/?page=99").context["alerts"]) == 5


def test_customers_cannot_open_the_alerts_page(client, customer):
    assert logged_in(client, customer).get("/alerts/").status_code == 403


def test_head_office_sees_all_alerts_but_no_handle_form(
    client, branch, head_office, branch_manager
):
    alert = make_alert(branch, "bm-only", roles=(Role.BRANCH_MANAGER,))
    html = logged_in(client, head_office).get("/alerts/").content.decode()
    assert "Queue too long" in html
    assert f'action="/alerts/{alert.pk}/handle/"' not in html


def test_recipient_closes_an_alert_from_the_page(client, branch, branch_manager):
    alert = make_alert(branch)
    logged_in(client, branch_manager)
    response = client.post(
        f"/alerts/{alert.pk}/handle/",
        {"status": "closed", "note": "Second counter opened.", "next": "/alerts/?status=open"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/alerts/?status=open"
    alert.refresh_from_db()
    assert (alert.status, alert.note) == ("closed", "Second counter opened.")


def test_closing_without_a_note_shows_why(client, branch, branch_manager):
    alert = make_alert(branch)
    response = logged_in(client, branch_manager).post(
        f"/alerts/{alert.pk}/handle/", {"status": "closed", "note": ""}, follow=True
    )
    assert "关闭预警需要填写处理说明。" in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == "open"


def test_handle_redirect_never_leaves_the_site(client, branch, branch_manager):
    alert = make_alert(branch)
    response = logged_in(client, branch_manager).post(
        f"/alerts/{alert.pk}/handle/",
        {"status": "acknowledged", "note": "", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/alerts/"


def test_handling_someone_elses_alert_is_404(client, branch, other_branch_manager):
    alert = make_alert(branch)
    response = logged_in(client, other_branch_manager).post(
        f"/alerts/{alert.pk}/handle/", {"status": "closed", "note": "x"}
    )
    assert response.status_code == 404


def test_head_office_cannot_handle_even_by_posting(client, branch, head_office):
    alert = make_alert(branch)
    response = logged_in(client, head_office).post(
        f"/alerts/{alert.pk}/handle/", {"status": "closed", "note": "x"}
    )
    assert response.status_code == 403


def test_handle_needs_post(client, branch, branch_manager):
    alert = make_alert(branch)
    assert logged_in(client, branch_manager).get(f"/alerts/{alert.pk}/handle/").status_code == 405


# --- friendly error pages ---


def test_404_page_is_friendly_and_translated(client, branch_manager):
    response = logged_in(client, branch_manager).get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
    assert 'href="/alerts/"' in response.content.decode()  # the menu stays usable


def test_403_page_names_the_reason(client, customer):
    response = logged_in(client, customer).get("/alerts/")
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


@override_settings(DEBUG=False)
def test_500_page_quotes_the_request_id_without_touching_the_database(rf):
    from django.db import connections

    from qc_portal.views import error_500

    request = rf.get("/")
    request.request_id = "abc123"
    with mock.patch.object(connections["default"], "cursor", side_effect=AssertionError("db used")):
        response = error_500(request)
    assert response.status_code == 500
    assert "abc123" in response.content.decode()


def test_500_for_the_api_is_json(rf):
    from qc_portal.views import error_500

    request = rf.get("/api/v1/anything/")
    request.request_id = "abc123"
    response = error_500(request)
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"


def test_technical_admin_without_role_goes_to_the_admin_site(client, admin_user):
    response = logged_in(client, admin_user).get("/")
    assert response["Location"] == "/admin/"


def test_expired_form_gets_a_friendly_403(branch_manager):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(branch_manager)
    response = client.post("/alerts/1/handle/", {"status": "closed"})
    assert response.status_code == 403
    assert "表单已过期" in response.content.decode()


def test_customer_gets_their_preferred_language_at_sign_in(client, customer):
    from tests.factories import PASSWORD

    customer.customer.preferred_language = "en"
    customer.customer.save(update_fields=["preferred_language"])
    client.post("/accounts/login/", {"username": "customer", "password": PASSWORD})
    assert client.cookies["django_language"].value == "en"
    assert '<html lang="en">' in client.get("/alerts/").content.decode()  # a 403 page, in English


def test_a_language_chosen_on_the_device_wins_over_the_preference(client, customer):
    from tests.factories import PASSWORD

    customer.customer.preferred_language = "en"
    customer.customer.save(update_fields=["preferred_language"])
    switch_language(client, "zh-hans")
    client.post("/accounts/login/", {"username": "customer", "password": PASSWORD})
    assert client.cookies["django_language"].value == "zh-hans"


def test_staff_sign_in_leaves_the_language_alone(client, branch_manager):
    from tests.factories import PASSWORD

    client.post("/accounts/login/", {"username": "branch_manager", "password": PASSWORD})
    assert "django_language" not in client.cookies


def _msgids(po_text: str) -> set[str]:
    ids = set()
    for entry in po_text.split("\n\n"):
        match = re.search(r'^msgid ((?:".*"\n?)+)', entry, re.M)
        if match:
            ids.add("".join(re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(1))))
    return ids - {""}


def test_catalogue_is_up_to_date_with_the_source(tmp_path):
    """makemessages over today's code finds no msgid missing from the committed catalogue."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    copy = tmp_path / "qc_portal"
    shutil.copytree(
        root / "qc_portal", copy, ignore=shutil.ignore_patterns("locale", "__pycache__")
    )
    (copy / "locale").mkdir()
    django_admin = Path(sys.executable).with_name("django-admin")
    subprocess.run(
        [str(django_admin), "makemessages", "-l", "zh_Hans"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": ""},
    )
    fresh = _msgids((copy / "locale/zh_Hans/LC_MESSAGES/django.po").read_text())
    ours = _msgids((root / "qc_portal/locale/zh_Hans/LC_MESSAGES/django.po").read_text())
    assert fresh - ours == set(), "run makemessages in qc_portal/ and translate the new strings"
