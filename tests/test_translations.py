"""The committed message catalogues: complete, faithful to their placeholders, compiled.

``make messages`` extracts new strings (``makemessages``) and compiles the catalogues
(``scripts/compile_messages.py``). These tests fail when a catalogue has untranslated or
fuzzy entries, when a Chinese translation drops or adds a placeholder, when a committed
``.mo`` file no longer matches its ``.po`` file, or when Django does not pick the
translations up. No database is needed.
"""

import re
from pathlib import Path

import polib
import pytest
from django.utils import translation

from shared.accounts.roles import ROLES_BY_CODE
from shared.vocab.industries import INDUSTRY_SECTION_ZH, IndustrySection

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES = ("zh_Hans", "en")
PLURAL_FORMS = {"zh_Hans": "nplurals=1; plural=0;", "en": "nplurals=2; plural=(n != 1);"}
FIX = "run `make messages` (or scripts/compile_messages.py) after translating"

# printf-style placeholders as Python's % operator reads them: %(name)s, %d, %.2f, ...
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0 +-]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa]")
# Chinese translations that rightly contain no Chinese character.
SAME_IN_CHINESE = {"API"}
CJK = re.compile(r"[\u3400-\u9fff]")

# Terms the carrier's staff know; the catalogue must use exactly these.
GLOSSARY = {
    "Account manager": "客户经理",
    "Province administrator": "省公司管理员",
    "Supervisor": "主管",
    "Service agent": "客服代表",
    "Channel manager": "渠道经理",
    "Marketing": "市场营销",
    "Read-only": "只读",
    "HQ administrator": "总部管理员",
    "HQ analyst": "总部分析员",
    "Org unit": "组织单元",
    "City branch": "地市分公司",
    "District branch": "区县分公司",
    "Team": "班组",
    "Provincial company": "省公司",
    "Staff": "员工",
    "Employee number": "工号",
    "Sign in": "登录",
    "Sign out": "退出",
    "Key-account CRM": "大客户管理系统",
    "Synchronisation": "数据同步",
}


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def load_po(language: str) -> polib.POFile:
    path = po_path(language)
    assert path.is_file(), f"missing catalogue {path}"
    return polib.pofile(str(path))


def live_entries(po: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in po if not entry.obsolete]


def placeholders(text: str) -> list[str]:
    return sorted(match.group(0) for match in PLACEHOLDER.finditer(text.replace("%%", "")))


def translations_of(entries) -> dict:
    """``{(msgid, msgid_plural): msgstr or {index: msgstr}}`` of .po or .mo entries."""
    result = {}
    for entry in entries:
        if entry.msgid == "":
            continue  # the header
        key = (entry.msgctxt, entry.msgid, entry.msgid_plural)
        if entry.msgid_plural:
            result[key] = {int(index): text for index, text in entry.msgstr_plural.items()}
        else:
            result[key] = entry.msgstr
    return result


# (a) complete catalogues ------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_is_complete(language):
    po = load_po(language)
    assert live_entries(po), f"{language}: the catalogue is empty"
    assert not po.metadata_is_fuzzy, f"{language}: the header is marked fuzzy"
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert not untranslated, f"{language}: untranslated entries {untranslated}; {FIX}"
    assert not fuzzy, f"{language}: fuzzy entries {fuzzy}; {FIX}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_forms(language):
    po = load_po(language)
    assert po.metadata.get("Plural-Forms") == PLURAL_FORMS[language]
    nplurals = 1 if language == "zh_Hans" else 2
    for entry in live_entries(po):
        if entry.msgid_plural:
            indexes = sorted(int(index) for index in entry.msgstr_plural)
            assert indexes == list(range(nplurals)), f"{language}: {entry.msgid!r} has {indexes}"


def test_english_is_the_source_text():
    for entry in live_entries(load_po("en")):
        if entry.msgid_plural:
            assert entry.msgstr_plural == {0: entry.msgid, 1: entry.msgid_plural}, entry.msgid
        else:
            assert entry.msgstr == entry.msgid, entry.msgid


def test_chinese_entries_are_chinese():
    po = load_po("zh_Hans")
    left_in_english = [
        entry.msgid
        for entry in live_entries(po)
        if entry.msgid not in SAME_IN_CHINESE
        and not all(
            CJK.search(text) for text in (entry.msgstr_plural or {0: entry.msgstr}).values()
        )
    ]
    assert not left_in_english, f"zh_Hans: no Chinese in the translation of {left_in_english}"


def test_chinese_glossary():
    po = load_po("zh_Hans")
    found = {entry.msgid: entry.msgstr for entry in live_entries(po) if entry.msgid in GLOSSARY}
    assert found == GLOSSARY


# (b) placeholders -------------------------------------------------------------------------


def test_chinese_keeps_every_placeholder():
    po = load_po("zh_Hans")
    checked = 0
    for entry in live_entries(po):
        if "python-format" not in entry.flags:
            continue
        expected = placeholders(entry.msgid)
        if entry.msgid_plural:
            # One Chinese form serves singular and plural: it must fit both source forms.
            assert placeholders(entry.msgid_plural) == expected, entry.msgid
            texts = list(entry.msgstr_plural.values())
        else:
            texts = [entry.msgstr]
        for text in texts:
            assert placeholders(text) == expected, f"{entry.msgid!r} -> {text!r}"
        checked += 1
    assert checked, "no python-format entries found; is the extraction broken?"


def test_placeholder_pattern():
    assert placeholders("A %(kind)s under a %(parent)s, %(length)d given, 100%%") == [
        "%(kind)s",
        "%(length)d",
        "%(parent)s",
    ]
    assert placeholders("%s and %d") == ["%d", "%s"]


# (c) compiled files are current -----------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_is_current(language):
    po = load_po(language)
    mo_path = po_path(language).with_suffix(".mo")
    assert mo_path.is_file(), f"missing {mo_path}; {FIX}"
    mo = polib.mofile(str(mo_path))
    assert translations_of(mo) == translations_of(po.translated_entries()), (
        f"{mo_path} does not match {po_path(language).name}; {FIX}"
    )
    assert mo.metadata.get("Plural-Forms") == po.metadata.get("Plural-Forms")


# (d) Django serves the translations -------------------------------------------------------


def test_django_translates_to_chinese():
    with translation.override("zh-hans"):
        assert translation.gettext("Sign in") == "登录"
        assert translation.gettext("Key-account CRM") == "大客户管理系统"
        assert str(ROLES_BY_CODE["account_manager"].label) == "客户经理"
        staff = translation.ngettext("%(n)s staff member", "%(n)s staff", 1)
        assert staff % {"n": 1} == "1 名员工"
        staff = translation.ngettext("%(n)s staff member", "%(n)s staff", 7)
        assert staff % {"n": 7} == "7 名员工"


def test_django_translates_to_english():
    with translation.override("en"):
        assert translation.gettext("Sign in") == "Sign in"
        assert str(ROLES_BY_CODE["account_manager"].label) == "Account manager"
        assert translation.ngettext("%(n)s staff member", "%(n)s staff", 1) == "%(n)s staff member"
        assert translation.ngettext("%(n)s staff member", "%(n)s staff", 7) == "%(n)s staff"


def test_industries_use_the_official_chinese_names():
    with translation.override("zh-hans"):
        labels = {section.value: str(section.label) for section in IndustrySection}
    assert labels == INDUSTRY_SECTION_ZH
