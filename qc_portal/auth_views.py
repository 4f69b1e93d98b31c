"""Sign-in protection: the lock-out page, two-factor enrolment, verification and recovery
codes (django-otp: one TOTP device and one set of one-time recovery codes per person)."""

from __future__ import annotations

import base64
import io

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from qc_portal.audit import record_event
from qc_portal.demo import DEMO_TOTP_KEY
from qc_portal.middleware import requires_two_factor
from qc_portal.security import security_event

TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer once a username+address is locked: the sign-in page with a clear
    message (HTTP 429), never a hint whether the password was right."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form = AuthenticationForm(request)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return render(
        request,
        "registration/login.html",
        {"form": form, "locked": True, "cooloff_minutes": minutes, "username": username[:150]},
        status=429,
    )


def _next_url(request, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def two_factor_redirect(request, user, next_url: str) -> str:
    """Where a password sign-in goes next: the code page, or enrolment if none is set up."""
    from urllib.parse import urlencode

    from django.urls import reverse

    target = "two-factor-verify" if user_has_device(user) else "two-factor-setup"
    return f"{reverse(target)}?{urlencode({'next': next_url})}"


def _issue_recovery_codes(user) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME)
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _n in range(settings.QC_RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def _qr_svg(uri: str) -> str:
    import segno

    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=4, xmldecl=False, svgns=True)
    return buffer.getvalue().decode()


def _base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


@never_cache
@login_required
@sensitive_post_parameters("token")
def two_factor_setup(request):
    """Enrol an authenticator app: show the secret (and a QR code), confirm it with one code,
    then show the recovery codes once."""
    user = request.user
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if confirmed is not None:
        if not user.is_verified():
            return redirect(two_factor_redirect(request, user, _next_url(request)))
        recovery = StaticDevice.objects.filter(user=user, name=RECOVERY_NAME).first()
        remaining = recovery.token_set.count() if recovery else 0
        return render(
            request, "registration/two_factor_status.html", {"recovery_remaining": remaining}
        )
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    error = ""
    if request.method == "POST":
        token = request.POST.get("token", "").strip().replace(" ", "")
        if token.isdigit() and device.verify_token(token):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = _issue_recovery_codes(user)
                record_event("auth.two_factor_enrolled", actor=user, target=user)
            otp_login(request, device)
            security_event("two_factor_enrolled", request=request)
            return render(
                request,
                "registration/two_factor_codes.html",
                {"codes": codes, "next": _next_url(request)},
            )
        security_event("two_factor_failed", request=request, stage="enrolment")
        error = _("That code is not right. Check the time on your phone and try again.")
    uri = device.config_url
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "secret": _base32(device),
            "otpauth_uri": uri,
            "qr_svg": _qr_svg(uri),
            "error": error,
            "next": _next_url(request),
        },
    )


@never_cache
@login_required
@sensitive_post_parameters("token")
def two_factor_verify(request):
    """The second step of signing in: a code from the authenticator app or a recovery code."""
    user = request.user
    if not user_has_device(user):
        return redirect(two_factor_redirect(request, user, _next_url(request)))
    error = ""
    if request.method == "POST":
        token = request.POST.get("token", "").strip().replace(" ", "")
        device = match_token(user, token) if token else None
        if device is not None:
            otp_login(request, device)
            used_recovery = isinstance(device, StaticDevice)
            security_event(
                "two_factor_verified",
                request=request,
                method="recovery_code" if used_recovery else "totp",
            )
            record_event(
                "auth.two_factor_verified",
                actor=user,
                target=user,
                after={"method": "recovery_code" if used_recovery else "totp"},
            )
            return redirect(_next_url(request, default=settings.LOGIN_REDIRECT_URL))
        security_event("two_factor_failed", request=request, stage="sign_in")
        error = _("That code is not right, or was already used. Try the next one.")
    context = {"error": error, "next": _next_url(request)}
    demo_code = _demo_code(user)
    if demo_code:
        context["demo_code"] = demo_code
    return render(request, "registration/two_factor_verify.html", context)


@never_cache
@login_required
@require_POST
def recovery_codes_regenerate(request):
    """New recovery codes (the old ones stop working), for a verified session only."""
    user = request.user
    if not (user.is_verified() and TOTPDevice.objects.filter(user=user, confirmed=True).exists()):
        return redirect(two_factor_redirect(request, user, request.path))
    with transaction.atomic():
        codes = _issue_recovery_codes(user)
        record_event("auth.recovery_codes_issued", actor=user, target=user)
    return render(request, "registration/two_factor_codes.html", {"codes": codes, "next": "/"})


def _demo_code(user) -> str:
    """In the embedded demo (DEBUG) only: the current code of a login enrolled with the
    documented demo secret, so a visitor without an authenticator app can sign in."""
    if not settings.DEBUG:
        return ""
    device = TOTPDevice.objects.filter(user=user, confirmed=True, key=DEMO_TOTP_KEY).first()
    if device is None:
        return ""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def needs_second_step(user) -> bool:
    return bool(settings.QC_REQUIRE_2FA and requires_two_factor(user))
