from pathlib import Path

import transparency

PO = Path(transparency.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_message_has_a_chinese_translation():
    entries = PO.read_text(encoding="utf-8").split("\n\n")[1:]
    untranslated = [e for e in entries if 'msgstr ""' in e.splitlines()[-1] or 'msgstr[0] ""' in e]
    assert untranslated == []
    assert "#, fuzzy" not in PO.read_text(encoding="utf-8")


def test_track_page_in_both_languages(client, db):
    assert "业务进度查询" in client.get("/track/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert (
        "Track your application"
        in client.get("/track/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
