"""The Chinese catalogues of all apps agree with each other.

Django merges every app's ``locale/zh_Hans/LC_MESSAGES/django.po`` into ONE
catalogue per language. When two apps translate the same msgid (in the same
msgctxt) differently, one of them silently wins everywhere — e.g. the KPI chart
legend would say 对象 (an audit target) instead of 目标. Where the meaning really
differs, the string needs a context (``pgettext_lazy`` /
``{% translate "..." context "..." %}``) or a more specific msgid; where it is
only wording, all apps must use the same translation.

Also: no entry may be left untranslated or fuzzy (msgfmt drops fuzzy entries,
so the English text would show).

A small parser on purpose (no ``polib`` dependency): it understands msgctxt,
msgid_plural / msgstr[n], multi-line strings, flags and obsolete (``#~``)
entries, which it skips because they are not compiled.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LANGUAGE = "zh_Hans"
CATALOGUES = sorted(ROOT.glob(f"*/locale/{LANGUAGE}/LC_MESSAGES/django.po"))


@dataclass
class Entry:
    app: str
    line: int
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def merged_key(self) -> tuple[str | None, str, bool]:
        # Django keeps plural forms under (msgid, n) and singulars under msgid: a plural
        # entry never overrides a singular one with the same msgid.
        return (self.msgctxt, self.msgid, self.msgid_plural is not None)

    @property
    def translation(self) -> tuple[str, ...]:
        return tuple(self.msgstr[n] for n in sorted(self.msgstr))

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None


def _unquote(text: str, path: Path, lineno: int) -> str:
    text = text.strip()
    if not (len(text) >= 2 and text[0] == '"' and text[-1] == '"'):
        raise ValueError(f"{path}:{lineno}: expected a quoted string, got {text!r}")
    # PO strings use C escapes, which Python string literals understand.
    return ast.literal_eval(text)


def parse_po(path: Path) -> list[Entry]:
    """Entries of one .po file, in order; obsolete (#~) entries are skipped."""
    app = path.parents[3].name  # <app>/locale/<lang>/LC_MESSAGES/django.po
    entries: list[Entry] = []
    current: Entry | None = None
    has_msgid = False  # the current entry has had its msgid line
    flags: set[str] = set()  # flags from the comments before the next entry
    first_line = 0  # first line (comment or keyword) of the next entry
    target: tuple[str, int] | None = None  # field being continued by "..." lines

    def finish() -> None:
        nonlocal current, has_msgid
        if current is not None:
            entries.append(current)
        current, has_msgid = None, False

    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):  # blank, or obsolete entry (not compiled)
            target = None
            continue
        if line.startswith("#"):
            if current is not None and current.msgstr:
                finish()  # comments belong to the next entry
            first_line = first_line or lineno
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            target = None
            continue
        if line.startswith('"'):
            if current is None or target is None:
                raise ValueError(f"{path}:{lineno}: continuation line outside an entry")
            value = _unquote(line, path, lineno)
        else:
            keyword, _, rest = line.partition(" ")
            value = _unquote(rest, path, lineno)
            begins_entry = (
                current is None
                or keyword == "msgctxt"
                or (keyword == "msgid" and (has_msgid or bool(current.msgstr)))
            )
            if begins_entry:
                finish()
                current = Entry(app=app, line=first_line or lineno, flags=flags)
                flags, first_line = set(), 0
            if keyword in ("msgctxt", "msgid", "msgid_plural"):
                setattr(current, keyword, "")
                has_msgid = has_msgid or keyword == "msgid"
                target = (keyword, 0)
            elif keyword == "msgstr" or (keyword.startswith("msgstr[") and keyword.endswith("]")):
                index = int(keyword[len("msgstr[") : -1]) if keyword != "msgstr" else 0
                current.msgstr[index] = ""
                target = ("msgstr", index)
            else:
                raise ValueError(f"{path}:{lineno}: unexpected line {raw!r}")
        name, index = target
        if name == "msgstr":
            current.msgstr[index] += value
        else:
            setattr(current, name, getattr(current, name) + value)
    finish()
    return entries


def _describe(key: tuple[str | None, str]) -> str:
    msgctxt, msgid = key
    return f"{msgid!r}" if msgctxt is None else f"{msgid!r} (context {msgctxt!r})"


def test_every_app_has_a_chinese_catalogue():
    apps = {path.parents[3].name for path in CATALOGUES}
    assert {
        "qc_portal",
        "services",
        "transparency",
        "credit",
        "integration",
        "training",
        "assistant",
        "kpis",
    } <= apps


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parents[3].name)
def test_catalogue_is_complete_and_not_fuzzy(path):
    entries = parse_po(path)
    header = entries[0].translation[0] if entries and entries[0].is_header else ""
    match = re.search(r"^Plural-Forms:.*nplurals\s*=\s*(\d+)", header, re.MULTILINE)
    assert match, f"{path}: the header has no Plural-Forms"
    nplurals = int(match.group(1))  # Chinese: 1
    problems = []
    for entry in entries[1:]:
        where = f"{entry.app}:{entry.line} {_describe(entry.key)}"
        if "fuzzy" in entry.flags:
            problems.append(f"{where}: fuzzy")
        if not entry.msgstr or any(not text for text in entry.msgstr.values()):
            problems.append(f"{where}: empty msgstr")
        if entry.msgid_plural is not None and sorted(entry.msgstr) != list(range(nplurals)):
            problems.append(f"{where}: needs exactly msgstr[0..{nplurals - 1}]")
    assert not problems, "Untranslated, fuzzy or malformed entries:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parents[3].name)
def test_catalogue_has_no_duplicate_entries(path):
    seen: dict[tuple[str | None, str], int] = {}
    duplicates = []
    for entry in parse_po(path):
        if entry.key in seen:
            duplicates.append(
                f"{entry.app}:{entry.line} {_describe(entry.key)} (first at line {seen[entry.key]})"
            )
        seen.setdefault(entry.key, entry.line)
    assert not duplicates, "Duplicate entries:\n" + "\n".join(duplicates)


def test_apps_agree_on_every_shared_translation():
    by_key: dict[tuple[str | None, str, bool], dict[tuple[str, ...], list[str]]] = {}
    for path in CATALOGUES:
        for entry in parse_po(path):
            if entry.is_header or "fuzzy" in entry.flags:
                continue
            by_key.setdefault(entry.merged_key, {}).setdefault(entry.translation, []).append(
                f"{entry.app}:{entry.line}"
            )
    collisions = []
    for key, translations in sorted(by_key.items(), key=lambda kv: (kv[0][1], kv[0][0] or "")):
        if len(translations) > 1:
            variants = "; ".join(
                f"{' / '.join(text)} ← {', '.join(where)}" for text, where in translations.items()
            )
            collisions.append(f"{_describe(key[:2])}: {variants}")
    assert not collisions, (
        f"{len(collisions)} msgid(s) are translated differently by different apps; Django "
        "merges the catalogues, so only one translation survives. Give the string a context "
        "(pgettext / {% translate ... context ... %}) where the meaning differs, or make the "
        "apps agree where it is only wording:\n" + "\n".join(collisions)
    )


# --- the parser itself -------------------------------------------------------------------


def test_parser_understands_context_plurals_multiline_fuzzy_and_obsolete(tmp_path):
    po = tmp_path / "demo" / "locale" / LANGUAGE / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\n'
        'msgstr ""\n'
        '"Language: zh_Hans\\n"\n'
        "\n"
        "#: views.py:1\n"
        'msgctxt "credit classification"\n'
        'msgid "From"\n'
        'msgstr "原分类"\n'
        "\n"
        "#: views.py:2\n"
        "#, fuzzy, python-format\n"
        'msgid ""\n'
        '"A long "\n'
        '"text \\"quoted\\""\n'
        'msgstr ""\n'
        '"长"\n'
        '"文本"\n'
        "\n"
        'msgid "%(n)s day"\n'
        'msgid_plural "%(n)s days"\n'
        'msgstr[0] "%(n)s 天"\n'
        "\n"
        '#~ msgid "Gone"\n'
        '#~ msgstr "已删除"\n',
        encoding="utf-8",
    )
    entries = parse_po(po)
    assert [e.key for e in entries] == [
        (None, ""),
        ("credit classification", "From"),
        (None, 'A long text "quoted"'),
        (None, "%(n)s day"),
    ]
    assert entries[0].is_header
    assert entries[1].translation == ("原分类",)
    assert entries[2].translation == ("长文本",)
    assert "fuzzy" in entries[2].flags and "python-format" in entries[2].flags
    assert entries[3].msgid_plural == "%(n)s days"
    assert entries[3].translation == ("%(n)s 天",)
    assert all(e.app == "demo" for e in entries)
