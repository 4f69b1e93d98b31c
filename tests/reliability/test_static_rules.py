"""Rules read from the source code itself, so new code cannot quietly break them.

1. Audit completeness: every public function of every app's `actions.py` that writes to the
   database records an AuditEvent — it calls `record_event` itself or through another function
   (of its module or of another app's actions) that does. Writes without an audit event must be
   listed in NOT_AUDITED with the reason.
2. No Celery `countdown=` / `eta=` longer than half the broker's visibility timeout (a longer one
   is redelivered by Redis before it is due, i.e. runs twice).
"""

from __future__ import annotations

import ast
import importlib
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "qc_portal",
    "services",
    "transparency",
    "credit",
    "integration",
    "training",
    "assistant",
    "kpis",
]

# ORM calls that write rows.
WRITE_METHODS = {
    "save",
    "create",
    "delete",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
}
# Writes that deliberately leave no AuditEvent (with the reason; reviewed by the auditor).
NOT_AUDITED = {
    # High-volume telemetry, not a state change of a business object: counted by the KPIs.
    "transparency.actions.record_tracking_view": "telemetry of a customer looking at a case",
    "transparency.actions.record_tracking_views": "bulk telemetry (ingest of app views)",
    # Delivery bookkeeping of the notification outbox (the step that caused it is audited).
    "transparency.actions.deliver_outbox": "marks an outbox row sent",
    "transparency.actions.sweep_outbox": "re-sends unsent outbox rows",
    # Ingest plumbing: inbound records are their own append-only received/applied/rejected log,
    # and the business action a record applies audits itself with actor 'source:<code>'.
    "integration.actions.process_pending_record": "inbound records are their own log",
    "integration.actions.process_batch": "inbound records are their own log",
    # The assistant's conversation is its own transcript (ChatTurn rows).
    "assistant.actions.start_session": "chat transcript",
    "assistant.actions.give_feedback": "chat transcript (rating of one answer)",
    # Derived data, recomputed from the loan book at any time.
    "credit.actions.take_snapshot": "daily classification snapshot of the book",
    # Notifications are their own record (Notification rows).
    "training.actions.send_reminders": "reminder notifications",
}


def _receiver_chain(node: ast.AST) -> list[str]:
    names = []
    while isinstance(node, ast.Attribute | ast.Call):
        if isinstance(node, ast.Call):
            node = node.func
            continue
        names.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        names.append(node.id)
    return names


class _Module:
    def __init__(self, app: str):
        self.name = f"{app}.actions"
        self.module = importlib.import_module(self.name)
        self.tree = ast.parse(Path(self.module.__file__).read_text())
        self.functions = {
            node.name: node for node in self.tree.body if isinstance(node, ast.FunctionDef)
        }
        # alias -> module name, for `from credit import actions as credit_actions` etc.
        self.aliases = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    target = f"{node.module}.{alias.name}"
                    self.aliases[alias.asname or alias.name] = target
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self.aliases[alias.asname or alias.name] = alias.name

    def calls(self, function: str) -> tuple[set[str], bool, bool]:
        """(qualified functions called, writes directly, records directly)."""
        called, writes, records = set(), False, False
        for node in ast.walk(self.functions[function]):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name):
                if func.id == "record_event":
                    records = True
                elif func.id in self.functions:
                    called.add(f"{self.name}.{func.id}")
                elif func.id in self.aliases:
                    called.add(self.aliases[func.id])
            elif isinstance(func, ast.Attribute):
                chain = _receiver_chain(func)
                if func.attr == "record_event":
                    records = True
                if func.attr in WRITE_METHODS:
                    writes = True
                if func.attr == "update" and {"objects", "filter", "select_for_update"} & set(
                    chain
                ):
                    writes = True
                base = chain[-1] if chain else ""
                if base in self.aliases and len(chain) == 2:
                    called.add(f"{self.aliases[base]}.{func.attr}")
        return called, writes, records


def _graph():
    modules = {}
    for app in APPS:
        try:
            modules[f"{app}.actions"] = _Module(app)
        except ModuleNotFoundError:
            continue
    facts = {}
    for module in modules.values():
        for name in module.functions:
            facts[f"{module.name}.{name}"] = module.calls(name)
    return modules, facts


def _closure(facts, start):
    seen, stack = set(), [start]
    writes = records = False
    while stack:
        name = stack.pop()
        if name in seen or name not in facts:
            continue
        seen.add(name)
        called, w, r = facts[name]
        writes |= w
        records |= r
        stack.extend(called)
    return writes, records


def test_every_write_action_records_an_audit_event():
    modules, facts = _graph()
    assert len(modules) >= 7, "every measure app has an actions module"
    unaudited, write_actions = [], 0
    for module in modules.values():
        for name in module.functions:
            if name.startswith("_"):
                continue
            qualified = f"{module.name}.{name}"
            writes, records = _closure(facts, qualified)
            if not writes:
                continue
            write_actions += 1
            if not records and qualified not in NOT_AUDITED:
                unaudited.append(qualified)
    assert write_actions >= 50
    assert unaudited == [], f"write actions without record_event: {unaudited}"


def test_exemptions_are_real_unaudited_writes():
    """A renamed, removed or since-audited action leaves NOT_AUDITED too (no stale entries)."""
    _modules, facts = _graph()
    assert sorted(set(NOT_AUDITED) - set(facts)) == []
    stale = [name for name in NOT_AUDITED if _closure(facts, name) != (True, False)]
    assert stale == []


# --- countdown / eta ----------------------------------------------------------------------


def _task_max_retries(function: ast.FunctionDef) -> int:
    for decorator in function.decorator_list:
        if isinstance(decorator, ast.Call):
            for keyword in decorator.keywords:
                if keyword.arg == "max_retries" and isinstance(keyword.value, ast.Constant):
                    return keyword.value.value
    return 3  # Celery's default


def _delays():
    """(location, keyword, seconds) for every countdown=/eta= in the apps' source."""
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text())
            for function in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
                retries = _task_max_retries(function) - 1  # the last retry's index
                for node in ast.walk(function):
                    if not isinstance(node, ast.Call):
                        continue
                    for keyword in node.keywords:
                        if keyword.arg not in {"countdown", "eta"}:
                            continue
                        where = f"{path.relative_to(ROOT)}:{node.lineno}"
                        env = {
                            "self": SimpleNamespace(request=SimpleNamespace(retries=retries)),
                            "timedelta": timedelta,
                        }
                        try:
                            value = eval(  # noqa: S307 - our own source, constant expressions
                                compile(ast.Expression(keyword.value), where, "eval"),
                                {"__builtins__": {}},
                                env,
                            )
                        except Exception:  # noqa: BLE001
                            value = None
                        if isinstance(value, timedelta):
                            value = value.total_seconds()
                        found.append((where, keyword.arg, value))
    return found


def test_no_countdown_or_eta_longer_than_half_the_visibility_timeout():
    limit = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] / 2
    delays = _delays()
    unknown = [d for d in delays if d[2] is None]
    assert unknown == [], f"delays the test cannot evaluate (use constants): {unknown}"
    too_long = [d for d in delays if d[2] > limit]
    assert too_long == [], f"longer than {limit} s: {too_long}"


def test_the_delay_reader_sees_the_outbox_back_off():
    """Guard against the reader silently finding nothing."""
    delays = _delays()
    assert any(where.startswith("transparency/tasks.py") for where, _, _ in delays)
    assert max(seconds for _, _, seconds in delays) == 60 * 2**4


@pytest.mark.parametrize("seconds,ok", [(1800, True), (1801, False)])
def test_limit_boundary(seconds, ok):
    limit = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] / 2
    assert (seconds <= limit) is ok
