"""Every app's Chinese catalogue is complete and current: `makemessages` over today's code
finds no msgid the committed catalogue lacks, and no entry is left untranslated or fuzzy.
(Runs on SQLite too: no server, no browser.)"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PO = "locale/zh_Hans/LC_MESSAGES/django.po"
APPS = sorted(path.parents[3].name for path in ROOT.glob(f"*/{PO}"))

_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def entries(po_text: str) -> list[dict]:
    """(msgctxt, msgid) -> msgstrs and flags, for the active entries of a .po file."""
    parsed = []
    for block in re.split(r"\n\s*\n", po_text):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        if not any(line.startswith("msgid ") for line in lines):
            continue
        entry = {"msgctxt": None, "msgid": "", "msgstr": [], "fuzzy": False, "plural": False}
        field = None
        for line in lines:
            if line.startswith("#,") and "fuzzy" in line:
                entry["fuzzy"] = True
            if line.startswith("#"):
                continue
            keyword = line.split(" ", 1)[0]
            if keyword in ("msgctxt", "msgid", "msgid_plural") or keyword.startswith("msgstr"):
                field = keyword
                if field.startswith("msgstr"):
                    entry["msgstr"].append("")
                if field == "msgid_plural":
                    entry["plural"] = True
            value = "".join(_STRING.findall(line))
            if field == "msgctxt":
                entry["msgctxt"] = (entry["msgctxt"] or "") + value
            elif field == "msgid":
                entry["msgid"] += value
            elif field and field.startswith("msgstr"):
                entry["msgstr"][-1] += value
        parsed.append(entry)
    return parsed


def keys(po_text: str) -> set[tuple[str | None, str]]:
    return {(e["msgctxt"], e["msgid"]) for e in entries(po_text) if e["msgid"]}


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory) -> dict[str, str]:
    """makemessages over a copy of each app (so the working tree is never touched), all apps
    in parallel."""
    django_admin = Path(sys.executable).with_name("django-admin")
    base = tmp_path_factory.mktemp("makemessages")
    running = {}
    for app in APPS:
        copy = base / app
        shutil.copytree(
            ROOT / app,
            copy,
            ignore=shutil.ignore_patterns("locale", "__pycache__", "static", "migrations"),
        )
        (copy / "locale").mkdir()
        running[app] = subprocess.Popen(
            [str(django_admin), "makemessages", "-l", "zh_Hans", "--no-location"],
            cwd=copy,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": ""},
        )
    fresh = {}
    for app, process in running.items():
        output = process.communicate(timeout=120)[0]
        assert process.returncode == 0, f"makemessages failed in {app}: {output.decode()}"
        fresh[app] = (base / app / PO).read_text()
    return fresh


def test_every_app_with_a_catalogue_is_checked():
    assert {"qc_portal", "services", "transparency", "credit", "kpis"} <= set(APPS), APPS


@pytest.mark.parametrize("app", APPS)
def test_catalogue_has_every_msgid_of_the_source(app, fresh_catalogues):
    found = keys(fresh_catalogues[app])
    assert found, f"makemessages found no strings in {app}"
    missing = found - keys((ROOT / app / PO).read_text())
    shown = "\n".join(
        f"  {f'[{context}] ' if context else ''}{msgid!r}"
        for context, msgid in sorted(missing, key=lambda key: (key[0] or "", key[1]))
    )
    assert not missing, (
        f"{app}: {len(missing)} strings are not in the catalogue — run "
        f"`cd {app} && ../.venv/bin/django-admin makemessages -l zh_Hans` and translate them:\n"
        f"{shown}"
    )


@pytest.mark.parametrize("app", APPS)
def test_every_entry_is_translated(app):
    untranslated = [
        e["msgid"]
        for e in entries((ROOT / app / PO).read_text())
        if e["msgid"] and (e["fuzzy"] or not all(s.strip() for s in e["msgstr"]))
    ]
    assert not untranslated, f"{app}: untranslated or fuzzy: {untranslated}"
