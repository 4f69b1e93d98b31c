"""Every user-facing training string has its Chinese translation."""

import re
from pathlib import Path

import training

PO = Path(training.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_catalogue_has_no_empty_or_fuzzy_translation():
    entries = PO.read_text(encoding="utf-8").split("\n\n")[1:]
    untranslated = []
    for entry in entries:
        if "#, fuzzy" in entry:
            untranslated.append(entry)
        strings = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', entry + "\n", flags=re.M)
        if not strings or all(s.strip() in ('""',) for s in strings):
            untranslated.append(entry)
    assert untranslated == []
