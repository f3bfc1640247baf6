"""Compile every ``locale/*/LC_MESSAGES/django.po`` to ``django.mo`` with pure Python (polib).

Replaces ``manage.py compilemessages``, which needs GNU gettext's ``msgfmt``. The compiled
``.mo`` files are committed, so a machine without gettext still serves every language.

Usage (from the repository root; ``make messages`` runs it after ``makemessages``)::

    .venv/bin/python scripts/compile_messages.py          # check, then write the .mo files
    .venv/bin/python scripts/compile_messages.py --check  # write nothing; fail if any is stale
    .venv/bin/python scripts/compile_messages.py --fill-english  # en msgstr := msgid, then compile

Every catalogue must be complete: if any has untranslated or fuzzy entries (or a fuzzy
header), nothing is written and the script exits with status 1 after listing them, so an
incomplete translation never reaches the compiled files.

English is the source language, so its catalogue is the identity: ``--fill-english`` first
sets each ``en`` msgstr to its msgid (``msgstr[0]``/``msgstr[1]`` to msgid/msgid_plural) and
clears fuzzy flags. Run it after ``makemessages`` has added new strings.

Output is deterministic: entries are sorted by msgid and a ``.mo`` file is rewritten only
when its bytes change.
"""

import argparse
import sys
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def catalogues(locale_dir: Path) -> list[Path]:
    """Every ``django.po`` under ``locale_dir``, in a stable order."""
    return sorted(locale_dir.glob("*/LC_MESSAGES/django.po"))


def problems(po: polib.POFile) -> list[str]:
    """Human-readable list of what keeps ``po`` from being compiled."""
    found = []
    if po.metadata_is_fuzzy:
        found.append("header is marked fuzzy")
    found += [f"untranslated: {entry.msgid!r}" for entry in po.untranslated_entries()]
    found += [f"fuzzy: {entry.msgid!r}" for entry in po.fuzzy_entries()]
    return found


def fill_english(po: polib.POFile) -> None:
    """Make the English catalogue translate every msgid to itself."""
    for entry in po:
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
        else:
            entry.msgstr = entry.msgid
        if entry.fuzzy:
            entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None


def main(argv: list[str] | None = None, locale_dir: Path = LOCALE_DIR) -> int:
    parser = argparse.ArgumentParser(description="Compile locale/*/LC_MESSAGES/django.po to .mo.")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; fail if a .mo file is out of date"
    )
    parser.add_argument(
        "--fill-english", action="store_true", help="first set every en msgstr to its msgid"
    )
    args = parser.parse_args(argv)

    paths = catalogues(locale_dir)
    if not paths:
        print(f"No catalogues found under {locale_dir}", file=sys.stderr)
        return 1
    compiled: dict[Path, bytes] = {}
    failed = False
    for path in paths:
        po = polib.pofile(str(path), wrapwidth=79)  # as GNU gettext wraps
        if args.fill_english and path.parent.parent.name == "en" and not args.check:
            fill_english(po)
            po.save()
        found = problems(po)
        if found:
            failed = True
            print(
                f"{path.relative_to(locale_dir.parent)}: {len(found)} problem(s)", file=sys.stderr
            )
            for problem in found:
                print(f"  {problem}", file=sys.stderr)
        compiled[path.with_suffix(".mo")] = po.to_binary()
    if failed:
        print("Translate these entries (and drop '#, fuzzy'), then run again.", file=sys.stderr)
        return 1

    stale = []
    for mo_path, data in compiled.items():
        current = mo_path.read_bytes() if mo_path.exists() else None
        if current == data:
            continue
        stale.append(mo_path)
        if not args.check:
            mo_path.write_bytes(data)
    for mo_path in stale:
        verb = "out of date" if args.check else "written"
        print(f"{mo_path.relative_to(locale_dir.parent)}: {verb}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
