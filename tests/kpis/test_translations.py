"""Every user-facing string of kpis has its Simplified Chinese translation."""

import re
from pathlib import Path

import kpis

PO = Path(kpis.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_message_is_translated():
    text = PO.read_text(encoding="utf-8")
    entries = [block for block in text.split("\n\n") if re.search(r"^msgid ", block, re.M)]
    untranslated = [
        block
        for block in entries[1:]  # the header
        if "#, fuzzy" in block
        or re.search(r'^msgstr(\[0\])? ""\s*$', block, re.M)
        and not re.search(r'^msgstr(\[0\])? ""\n"', block, re.M)
    ]
    assert untranslated == []
