"""System integration (measure 4): registering the bank's source systems and their signing
secrets, receiving their records exactly once, and governing which departments share which data.

A request from a source system is checked (signature, freshness, system, record type) before
anything is written. Its records are then stored one by one — every record, good or bad — and
applied through the owning app's action (`integration.registry`), each inside its own savepoint
so one bad record never blocks the others. Small batches are applied in the request; larger ones
are stored as pending and applied by a Celery task after commit. A retry of a stored record
(same source, same key, same content) gets the first outcome again and is never applied twice:
the key is unique per source in the database, so two concurrent retries cannot both store it.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError as DrfValidationError

from integration import registry
from integration.models import DataSet, InboundBatch, InboundRecord, SharingGrant, SourceSystem
from integration.permissions import can_manage_integration
from integration.signing import content_hash, decrypt_secret, encrypt_secret, signature_matches
from qc_portal.audit import record_event
from qc_portal.models import Department

logger = logging.getLogger(__name__)

KEY_MAX_LENGTH = 200


def _require_admin(actor) -> None:
    if not can_manage_integration(actor):
        raise PermissionDenied(_("Only an integration administrator may do this."))


def new_secret() -> str:
    return secrets.token_urlsafe(32)


# --- Source systems ----------------------------------------------------------------------


def _clean_record_types(record_types: list[str]) -> list[str]:
    known = registry.types()
    cleaned = sorted({name.strip() for name in record_types if name and name.strip()})
    unknown = [name for name in cleaned if name not in known]
    if unknown:
        raise ValidationError(
            {
                "allowed_record_types": [
                    _("Unknown record type: %(name)s.") % {"name": name} for name in unknown
                ]
            }
        )
    return cleaned


def _source_snapshot(source: SourceSystem) -> dict:
    return {
        "code": source.code,
        "name": source.name,
        "owning_department": source.owning_department.code,
        "allowed_record_types": list(source.allowed_record_types),
        "expected_frequency_minutes": source.expected_frequency_minutes,
        "status": source.status,
    }


@transaction.atomic
def create_source_system(
    *,
    code: str,
    name: str,
    owning_department: Department,
    allowed_record_types: list[str],
    expected_frequency_minutes: int,
    actor,
) -> tuple[SourceSystem, str]:
    """Register a system and return it with its new secret — the only time the secret is
    shown; the portal keeps it encrypted."""
    _require_admin(actor)
    code = (code or "").strip()
    if not code:
        raise ValidationError({"code": [_("A code is required.")]})
    if SourceSystem.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("A source system with this code already exists.")]})
    if expected_frequency_minutes is None or expected_frequency_minutes < 1:
        raise ValidationError(
            {"expected_frequency_minutes": [_("The expected frequency must be at least a minute.")]}
        )
    secret = new_secret()
    source = SourceSystem(
        code=code,
        name=(name or "").strip() or code,
        owning_department=owning_department,
        allowed_record_types=_clean_record_types(allowed_record_types),
        expected_frequency_minutes=expected_frequency_minutes,
        secret_encrypted=encrypt_secret(secret),
    )
    source.full_clean(exclude=["secret_encrypted"])
    source.save()
    record_event(
        "integration.source_created", actor=actor, target=source, after=_source_snapshot(source)
    )
    return source, secret


@transaction.atomic
def update_source_system(
    source: SourceSystem,
    *,
    name: str,
    owning_department: Department,
    allowed_record_types: list[str],
    expected_frequency_minutes: int,
    actor,
) -> SourceSystem:
    _require_admin(actor)
    source = SourceSystem.objects.select_for_update().get(pk=source.pk)
    before = _source_snapshot(source)
    if expected_frequency_minutes is None or expected_frequency_minutes < 1:
        raise ValidationError(
            {"expected_frequency_minutes": [_("The expected frequency must be at least a minute.")]}
        )
    source.name = (name or "").strip() or source.code
    source.owning_department = owning_department
    source.allowed_record_types = _clean_record_types(allowed_record_types)
    source.expected_frequency_minutes = expected_frequency_minutes
    source.save()
    record_event(
        "integration.source_updated",
        actor=actor,
        target=source,
        before=before,
        after=_source_snapshot(source),
    )
    return source


@transaction.atomic
def rotate_secret(source: SourceSystem, *, actor, now: datetime | None = None) -> str:
    """Issue a new secret; the current one stays valid for QC_SECRET_ROTATION_OVERLAP_HOURS so
    the system's team can switch without refused requests. Returns the new secret (shown once)."""
    _require_admin(actor)
    now = now or timezone.now()
    source = SourceSystem.objects.select_for_update().get(pk=source.pk)
    secret = new_secret()
    source.previous_secret_encrypted = source.secret_encrypted
    source.previous_secret_valid_until = now + timedelta(
        hours=settings.QC_SECRET_ROTATION_OVERLAP_HOURS
    )
    source.secret_encrypted = encrypt_secret(secret)
    source.secret_rotated_at = now
    source.save(
        update_fields=[
            "previous_secret_encrypted",
            "previous_secret_valid_until",
            "secret_encrypted",
            "secret_rotated_at",
        ]
    )
    record_event(
        "integration.secret_rotated",
        actor=actor,
        target=source,
        after={"previous_valid_until": source.previous_secret_valid_until},
    )
    return secret


@transaction.atomic
def set_source_status(source: SourceSystem, *, status: str, actor) -> SourceSystem:
    """Suspend a system (its requests are refused from now on) or reactivate it."""
    _require_admin(actor)
    if status not in SourceSystem.Status.values:
        raise ValidationError({"status": [_("Unknown status.")]})
    source = SourceSystem.objects.select_for_update().get(pk=source.pk)
    before = source.status
    if before == status:
        return source
    source.status = status
    source.save(update_fields=["status"])
    record_event(
        "integration.source_status_changed",
        actor=actor,
        target=source,
        before={"status": before},
        after={"status": status},
    )
    return source


# --- Checking a request ----------------------------------------------------------------------


class IngestRefused(Exception):
    """The whole request is refused before anything is stored."""

    def __init__(self, status: int, code: str, message):
        super().__init__(str(message))
        self.status = status
        self.code = code
        self.message = message


def current_secrets(source: SourceSystem, now: datetime | None = None) -> list[str]:
    candidates = [decrypt_secret(source.secret_encrypted)]
    if source.previous_secret_is_valid(now):
        candidates.append(decrypt_secret(source.previous_secret_encrypted))
    return candidates


def authenticate_request(
    *,
    source_code: str | None,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: datetime | None = None,
) -> SourceSystem:
    """The source system that signed this request, or IngestRefused. Nothing is written."""
    if not source_code or not timestamp or not signature:
        raise IngestRefused(
            401,
            "not_authenticated",
            _("Headers X-Source-System, X-Timestamp and X-Signature are required."),
        )
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise IngestRefused(
            401, "invalid_timestamp", _("X-Timestamp must be a Unix time in seconds.")
        ) from None
    now = now or timezone.now()
    tolerance = settings.QC_INGEST_TIMESTAMP_TOLERANCE
    if abs(now.timestamp() - sent_at) > tolerance:
        raise IngestRefused(
            401,
            "stale_timestamp",
            _("X-Timestamp is more than %(seconds)s seconds from the server's time.")
            % {"seconds": tolerance},
        )
    source = (
        SourceSystem.objects.select_related("owning_department").filter(code=source_code).first()
    )
    if source is None:
        raise IngestRefused(401, "unknown_source", _("Unknown source system."))
    if not signature_matches(current_secrets(source, now), timestamp, body, signature):
        raise IngestRefused(401, "invalid_signature", _("The signature does not match."))
    if not source.is_active:
        raise IngestRefused(403, "source_suspended", _("This source system is suspended."))
    return source


def check_record_type(source: SourceSystem, record_type: str) -> registry.InboundType:
    inbound = registry.get(record_type)
    if inbound is None:
        raise IngestRefused(404, "unknown_record_type", _("Unknown record type."))
    if not source.allows(record_type):
        raise IngestRefused(
            403,
            "record_type_not_allowed",
            _("This source system may not send %(type)s records.") % {"type": record_type},
        )
    return inbound


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _refuse_non_finite(name: str):
    raise ValueError(f"{name} is not JSON")


def parse_body(body: bytes) -> list:
    """The `records` list of a request body, or IngestRefused (400 / 413)."""
    try:
        # JSON has no NaN / Infinity (Python's json reads them; the JSON columns cannot store them).
        document = json.loads(body.decode("utf-8"), parse_constant=_refuse_non_finite)
    except (UnicodeDecodeError, ValueError):
        raise IngestRefused(400, "invalid_json", _("The body is not valid JSON.")) from None
    if _has_nul(document):
        # PostgreSQL cannot store U+0000 in text or JSON: refused here, not a 500 when stored.
        raise IngestRefused(400, "invalid_json", _("The body is not valid JSON."))
    records = document.get("records") if isinstance(document, dict) else None
    if not isinstance(records, list):
        raise IngestRefused(400, "invalid", _('The body must be an object with a "records" list.'))
    if not records:
        raise IngestRefused(400, "empty_batch", _("The batch holds no records."))
    limit = settings.QC_INGEST_MAX_BATCH
    if len(records) > limit:
        raise IngestRefused(
            413,
            "batch_too_large",
            _("A batch may hold at most %(limit)s records; this one holds %(count)s.")
            % {"limit": limit, "count": len(records)},
        )
    return records


# --- Receiving and applying records ------------------------------------------------------------


class Outcome:
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    CONFLICT = "conflict"  # the key is still being processed (HTTP 409 semantics)
    PENDING = "pending"  # stored and queued (202)


@dataclass
class RecordOutcome:
    index: int
    idempotency_key: str | None
    outcome: str
    record_id: int | None = None
    reason: str = ""
    errors: dict = field(default_factory=dict)
    first_outcome: str = ""

    def as_dict(self) -> dict:
        data = {
            "index": self.index,
            "idempotency_key": self.idempotency_key,
            "outcome": self.outcome,
            "record": self.record_id,
        }
        if self.reason:
            data["reason"] = self.reason
        if self.errors:
            data["errors"] = self.errors
        if self.first_outcome:
            data["first_outcome"] = self.first_outcome
        return data


@dataclass
class IngestResult:
    batch: InboundBatch
    outcomes: list[RecordOutcome]

    @property
    def queued(self) -> bool:
        return self.batch.mode == InboundBatch.Mode.QUEUED

    def counts(self) -> dict[str, int]:
        counts = {name: 0 for name in ("accepted", "duplicate", "rejected", "conflict", "pending")}
        for outcome in self.outcomes:
            counts[outcome.outcome] += 1
        return counts


def _plain(value):
    """Serializer / ValidationError details as plain JSON (lists of strings)."""
    return json.loads(json.dumps(value, default=str))


def _errors_of(error: Exception) -> dict:
    if isinstance(error, DrfValidationError):
        detail = _plain(error.detail)
        return detail if isinstance(detail, dict) else {"non_field_errors": detail}
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return {key: [str(m) for m in values] for key, values in error.message_dict.items()}
        return {"non_field_errors": [str(m) for m in error.messages]}
    return {"non_field_errors": [str(error)]}


def _outcome_of_stored(record: InboundRecord) -> str:
    return {
        InboundRecord.Status.APPLIED: Outcome.ACCEPTED,
        InboundRecord.Status.REJECTED: Outcome.REJECTED,
    }.get(record.status, Outcome.PENDING)


_OUTCOME_FIELDS = [
    "status",
    "reason",
    "errors",
    "target_type",
    "target_id",
    "applied_at",
    "processing_seconds",
    "attempts",
]


def _apply(record: InboundRecord, *, now: datetime | None = None) -> InboundRecord:
    """Validate and apply one stored record through its app's action, inside a savepoint, and
    store the outcome on the record. Never raises for a bad record."""
    inbound = registry.get(record.record_type)
    record.attempts += 1
    data = {key: value for key, value in record.payload.items() if key != "idempotency_key"}
    try:
        if inbound is None:
            raise ValidationError(_("This record type is no longer accepted."))
        with transaction.atomic():
            serializer = inbound.serializer(data=data)
            serializer.is_valid(raise_exception=True)
            target = inbound.apply(serializer.validated_data, source=record.source)
    except (ValidationError, DrfValidationError) as error:
        record.status, record.reason = InboundRecord.Status.REJECTED, InboundRecord.Reason.INVALID
        record.errors = _errors_of(error)
    except Exception as error:  # a bug or outage in the applying app must not lose the record
        logger.exception("applying inbound record %s failed", record.pk)
        record.status = InboundRecord.Status.REJECTED
        record.reason = InboundRecord.Reason.APPLY_FAILED
        record.errors = {"non_field_errors": [f"{type(error).__name__}: {error}"[:500]]}
    else:
        applied_at = now or timezone.now()
        record.status, record.reason, record.errors = InboundRecord.Status.APPLIED, "", {}
        record.applied_at = applied_at
        record.processing_seconds = max((applied_at - record.received_at).total_seconds(), 0.0)
        meta = getattr(target, "_meta", None)
        if meta is not None and getattr(target, "pk", None) is not None:
            record.target_type, record.target_id = meta.label_lower, str(target.pk)
    record.save(update_fields=_OUTCOME_FIELDS)
    return record


def _store_refused(
    batch: InboundBatch, raw, *, key: str, reason: str, errors: dict, now: datetime
) -> InboundRecord:
    payload = raw if isinstance(raw, dict) else {"value": raw}
    return InboundRecord.objects.create(
        source=batch.source,
        batch=batch,
        record_type=batch.record_type,
        idempotency_key=None,
        submitted_key=key[:KEY_MAX_LENGTH],
        content_hash=content_hash(payload),
        payload=payload,
        status=InboundRecord.Status.REJECTED,
        reason=reason,
        errors=errors,
        received_at=now,
    )


def _repeat_outcome(
    batch: InboundBatch,
    index: int,
    raw: dict,
    key: str,
    digest: str,
    existing: InboundRecord,
    *,
    now,
) -> RecordOutcome:
    """A key already stored for this source: a duplicate (same content), a refused reuse
    (different content) or a conflict (the first is still being processed)."""
    if existing.content_hash != digest or existing.record_type != batch.record_type:
        record = _store_refused(
            batch,
            raw,
            key=key,
            reason=InboundRecord.Reason.REUSED_KEY,
            errors={
                "idempotency_key": [
                    str(
                        _("This key was already used for a different record (record %(id)s).")
                        % {"id": existing.pk}
                    )
                ]
            },
            now=now,
        )
        return RecordOutcome(index, key, Outcome.REJECTED, record.pk, record.reason, record.errors)
    if existing.status in (InboundRecord.Status.PENDING, InboundRecord.Status.RECEIVED):
        batch.conflict_count += 1
        return RecordOutcome(
            index,
            key,
            Outcome.CONFLICT,
            existing.pk,
            errors={"idempotency_key": [str(_("This record is still being processed."))]},
        )
    batch.duplicate_count += 1
    return RecordOutcome(
        index,
        key,
        Outcome.DUPLICATE,
        existing.pk,
        existing.reason,
        existing.errors,
        first_outcome=_outcome_of_stored(existing),
    )


def _receive_one(
    batch: InboundBatch, index: int, raw, *, queued: bool, now: datetime, known: dict
) -> RecordOutcome:
    if not isinstance(raw, dict):
        record = _store_refused(
            batch,
            raw,
            key="",
            reason=InboundRecord.Reason.INVALID,
            errors={"non_field_errors": [str(_("A record must be a JSON object."))]},
            now=now,
        )
        return RecordOutcome(index, None, Outcome.REJECTED, record.pk, record.reason, record.errors)
    key = raw.get("idempotency_key")
    if not isinstance(key, str) or not key.strip() or len(key) > KEY_MAX_LENGTH:
        message = (
            _("The idempotency key may be at most %(limit)s characters.")
            % {"limit": KEY_MAX_LENGTH}
            if isinstance(key, str) and key.strip()
            else _("Every record needs an idempotency_key (a non-empty string).")
        )
        record = _store_refused(
            batch,
            raw,
            key="" if key is None else str(key),
            reason=InboundRecord.Reason.MISSING_KEY,
            errors={"idempotency_key": [str(message)]},
            now=now,
        )
        shown = key if isinstance(key, str) else None
        return RecordOutcome(
            index, shown, Outcome.REJECTED, record.pk, record.reason, record.errors
        )

    digest = content_hash(raw)
    existing = known.get(key)
    if existing is None:
        try:
            with transaction.atomic():
                record = InboundRecord.objects.create(
                    source=batch.source,
                    batch=batch,
                    record_type=batch.record_type,
                    idempotency_key=key,
                    submitted_key=key,
                    content_hash=digest,
                    payload=raw,
                    status=InboundRecord.Status.PENDING
                    if queued
                    else InboundRecord.Status.RECEIVED,
                    received_at=now,
                )
        except IntegrityError:
            # Stored meanwhile by a concurrent request (we waited for it on the unique index).
            existing = InboundRecord.objects.get(source=batch.source, idempotency_key=key)
        else:
            known[key] = record
    if existing is not None:
        return _repeat_outcome(batch, index, raw, key, digest, existing, now=now)
    if queued:
        return RecordOutcome(index, key, Outcome.PENDING, record.pk)
    record = _apply(record)
    return RecordOutcome(
        index, key, _outcome_of_stored(record), record.pk, record.reason, record.errors
    )


def receive_batch(
    source: SourceSystem, *, record_type: str, records: list, now: datetime | None = None
) -> IngestResult:
    """Store every record of an authenticated request and apply it now (small batches) or
    after commit through Celery (more than QC_INGEST_SYNC_LIMIT records)."""
    now = now or timezone.now()
    queued = len(records) > settings.QC_INGEST_SYNC_LIMIT
    with transaction.atomic():
        batch = InboundBatch.objects.create(
            source=source,
            record_type=record_type,
            mode=InboundBatch.Mode.QUEUED if queued else InboundBatch.Mode.SYNC,
            received_at=now,
            record_count=len(records),
        )
        # Keys this source already sent, read at once: a retried batch costs one query, not
        # one failed insert per record. New keys still rely on the unique index.
        keys = [raw.get("idempotency_key") for raw in records if isinstance(raw, dict)]
        known = {
            record.idempotency_key: record
            for record in InboundRecord.objects.filter(
                source=source, idempotency_key__in=[k for k in keys if isinstance(k, str)]
            )
        }
        outcomes = [
            _receive_one(batch, index, raw, queued=queued, now=now, known=known)
            for index, raw in enumerate(records)
        ]
        batch.save(update_fields=["duplicate_count", "conflict_count"])
        result = IngestResult(batch, outcomes)
        record_event(
            "integration.batch_received",
            actor_label=source.actor_label,
            target=batch,
            after={"record_type": record_type, **result.counts()},
        )
        if any(outcome.outcome == Outcome.PENDING for outcome in outcomes):
            batch_id = batch.pk
            transaction.on_commit(lambda: enqueue_batch(batch_id))
    return result


def enqueue_batch(batch_id: int) -> None:
    """Hand a queued batch to Celery. If the broker is down the records stay pending and the
    sweeper (`requeue_pending`) queues them again: nothing is lost."""
    from integration import tasks

    try:
        tasks.process_batch.delay(batch_id)
    except Exception:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise
        logger.warning("could not queue inbound batch %s; the sweeper will retry", batch_id)


def process_pending_record(record_id: int) -> InboundRecord | None:
    """Apply one pending record, once: the row lock and the status check make a second worker
    (or a re-queued duplicate task) skip it."""
    with transaction.atomic():
        record = (
            InboundRecord.objects.select_for_update()
            .select_related("source")
            .filter(pk=record_id, status=InboundRecord.Status.PENDING)
            .first()
        )
        if record is None:
            return None
        return _apply(record)


def process_batch(batch_id: int) -> int:
    """Apply the pending records of a queued batch; returns how many it applied or rejected."""
    ids = list(
        InboundRecord.objects.filter(batch_id=batch_id, status=InboundRecord.Status.PENDING)
        .order_by("id")
        .values_list("id", flat=True)
    )
    return sum(1 for record_id in ids if process_pending_record(record_id) is not None)


def requeue_pending(
    *, older_than: timedelta = timedelta(minutes=10), now: datetime | None = None
) -> int:
    """The sweeper: queue again every batch with records still pending after `older_than`
    (their task was lost with a broker outage or a crashed worker). Returns batches queued."""
    cutoff = (now or timezone.now()) - older_than
    batch_ids = list(
        InboundRecord.objects.filter(status=InboundRecord.Status.PENDING, received_at__lt=cutoff)
        .order_by()
        .values_list("batch_id", flat=True)
        .distinct()
    )
    for batch_id in batch_ids:
        if batch_id is not None:
            enqueue_batch(batch_id)
    return len(batch_ids)


def replay_record(record: InboundRecord, *, actor) -> InboundRecord:
    """Apply a rejected record again, after its cause (master data, a bug in the applying app)
    was fixed. Records refused for breaking the key rules cannot be replayed."""
    _require_admin(actor)
    with transaction.atomic():
        record = (
            InboundRecord.objects.select_for_update().select_related("source").get(pk=record.pk)
        )
        if not record.replayable:
            raise ValidationError(
                {
                    "record": [
                        _(
                            "Only a record rejected for its content or while applying can be replayed."
                        )
                    ]
                }
            )
        before = {"status": record.status, "reason": record.reason, "errors": record.errors}
        record = _apply(record)
        record_event(
            "integration.record_replayed",
            actor=actor,
            target=record,
            before=before,
            after={"status": record.status, "errors": record.errors},
        )
    return record


def replay_rejected(
    *, actor, source: SourceSystem | None = None, record_type: str = "", limit: int = 1000
) -> dict[str, int]:
    """Replay every replayable reject (of one source / type); each record in its own
    transaction. Returns {"applied": n, "rejected": m}."""
    _require_admin(actor)
    records = InboundRecord.objects.filter(
        status=InboundRecord.Status.REJECTED,
        reason__in=[InboundRecord.Reason.INVALID, InboundRecord.Reason.APPLY_FAILED],
    )
    if source is not None:
        records = records.filter(source=source)
    if record_type:
        records = records.filter(record_type=record_type)
    counts = {"applied": 0, "rejected": 0}
    for record in records.order_by("id")[:limit]:
        replayed = replay_record(record, actor=actor)
        counts["applied" if replayed.status == InboundRecord.Status.APPLIED else "rejected"] += 1
    return counts


# --- Data inventory and sharing matrix -----------------------------------------------------------


@transaction.atomic
def create_data_set(
    *,
    code: str,
    name_zh: str,
    name_en: str,
    domain: str,
    owning_system: SourceSystem,
    owning_department: Department,
    record_types: list[str],
    sensitivity: str,
    refresh_frequency: str,
    description: str = "",
    actor,
) -> DataSet:
    _require_admin(actor)
    if DataSet.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("A data set with this code already exists.")]})
    data_set = DataSet(
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        domain=domain,
        owning_system=owning_system,
        owning_department=owning_department,
        record_types=sorted(set(record_types)),
        sensitivity=sensitivity,
        refresh_frequency=refresh_frequency,
        description=description,
    )
    data_set.full_clean()
    data_set.save()
    record_event(
        "integration.data_set_created",
        actor=actor,
        target=data_set,
        after={"code": code, "owning_system": owning_system.code, "sensitivity": sensitivity},
    )
    return data_set


@transaction.atomic
def set_sharing(
    data_set: DataSet,
    department: Department,
    *,
    required: bool | None = None,
    granted: bool | None = None,
    actor,
    now: datetime | None = None,
) -> SharingGrant:
    """Change one cell of the sharing matrix: mark the pair required (or not), grant or
    withdraw access. The owning department always has access and needs no grant."""
    _require_admin(actor)
    if department.pk == data_set.owning_department_id:
        raise ValidationError(
            {"department": [_("The owning department already has access to its own data.")]}
        )
    now = now or timezone.now()
    grant, _created = SharingGrant.objects.select_for_update().get_or_create(
        data_set=data_set, department=department
    )
    before = {"required": grant.required, "granted": grant.granted}
    if required is not None and required != grant.required:
        grant.required = required
        grant.required_since = now if required else None
    if granted is not None and granted != grant.granted:
        grant.granted_at, grant.granted_by = (now, actor) if granted else (None, None)
    grant.save()
    record_event(
        "integration.sharing_changed",
        actor=actor,
        target=grant,
        before=before,
        after={
            "data_set": data_set.code,
            "department": department.code,
            "required": grant.required,
            "granted": grant.granted,
        },
    )
    return grant
