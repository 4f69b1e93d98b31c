"""Writes of the foundation itself: issuing and revoking the mobile app's API tokens.

A token is revoked by the app that holds it (sign-out), or by an administrator when a phone
is lost; either way the revocation is stamped once and audited.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from qc_portal.api.authentication import issue_token
from qc_portal.audit import record_event
from qc_portal.models import ApiToken


@transaction.atomic
def issue_api_token(user) -> tuple[ApiToken, str]:
    """A new expiring token for the mobile app; the key is returned once and never stored."""
    token, key = issue_token(user)
    record_event("auth.token_issued", actor=user, target=token)
    return token, key


@transaction.atomic
def revoke_api_tokens(tokens, *, actor) -> int:
    """Revoke the given tokens that are still live; return how many were revoked."""
    now = timezone.now()
    live = list(
        ApiToken.objects.select_for_update()
        .filter(pk__in=[token.pk for token in tokens], revoked_at__isnull=True)
        .order_by("pk")
    )
    ApiToken.objects.filter(pk__in=[token.pk for token in live]).update(revoked_at=now)
    for token in live:
        record_event(
            "auth.token_revoked",
            actor=actor,
            target=token,
            after={"user": token.user_id, "prefix": token.prefix},
        )
    return len(live)
