"""Inbound record types. Each owning app declares the types it accepts in its `inbound.py`:

    from integration.registry import inbound_type

    @inbound_type("service_record", serializer=ServiceRecordInboundSerializer,
                  description="A counter ticket or call from the queue / call-centre systems")
    def apply_service_record(data: dict, *, source) -> models.Model:
        return actions.record_service(..., actor=source.actor)   # the app's own action

`serializer` is a DRF Serializer class validating one record (without `idempotency_key`,
which the integration app handles). `apply` receives the serializer's `validated_data` and the
`SourceSystem` sending it, runs the app's action and returns the object it created or changed
(or raises django ValidationError with the reason, which rejects the record). The integration
app owns transport, signatures, idempotency, storage of every record, audit and rejects; the
apps own meaning. The integration app imports no measure app: it discovers `inbound.py`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class InboundType:
    name: str
    serializer: type
    apply: Callable
    description: str


_TYPES: dict[str, InboundType] = {}


def inbound_type(name: str, *, serializer: type, description: str = ""):
    def register(function: Callable) -> Callable:
        if name in _TYPES and _TYPES[name].apply is not function:
            raise ValueError(f"inbound type {name} registered twice")
        _TYPES[name] = InboundType(name, serializer, function, description)
        return function

    return register


def discover() -> None:
    for label in settings.LOCAL_APPS:
        try:
            importlib.import_module(f"{label}.inbound")
        except ModuleNotFoundError as error:
            if error.name != f"{label}.inbound":
                raise


def types() -> dict[str, InboundType]:
    return dict(_TYPES)


def get(name: str) -> InboundType | None:
    return _TYPES.get(name)
