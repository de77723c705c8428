"""The catalogues: every Chinese msgid translated and checked, none missing from the code's
strings, and the compiled .mo files in step with their .po files.

After changing a translatable string, run `make messages` (makemessages, then
compilemessages), translate what is new or fuzzy in locale/zh_Hans, and compile again.
"""

import gettext
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
LANGUAGES = ("zh_Hans", "en")

needs_gettext = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("msgfmt", "xgettext", "msgmerge")),
    reason="GNU gettext (msgfmt, xgettext, msgmerge) is not installed",
)


# --- a small .po reader (polib is not a dependency) ---------------------------------------

_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    '"': '"',
    "\\": "\\",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
}


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text

    def escape(match: re.Match[str]) -> str:
        code = match[1]
        return chr(int(code, 8)) if code.isdigit() else _ESCAPES.get(code, match[0])

    return re.sub(r"\\([0-7]{1,3}|.)", escape, text[1:-1])


@dataclass
class Entry:
    line: int
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return self.msgctxt, self.msgid, self.msgid_plural

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values())

    def __str__(self) -> str:
        context = f" (context {self.msgctxt!r})" if self.msgctxt is not None else ""
        return f"line {self.line}: {self.msgid!r}{context}"


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file, header first; obsolete (#~) entries are left out."""
    entries: list[Entry] = []
    entry: Entry | None = None
    flags: set[str] = set()
    target: tuple[str, int] | None = None  # where a continuation line goes
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if keyword.startswith('"'):
            assert entry is not None and target is not None, f"{path}:{number}"
            name, index = target
            if name == "msgstr":
                entry.msgstr[index] += _unquote(line)
            else:
                setattr(entry, name, getattr(entry, name) + _unquote(line))
            continue
        if keyword == "msgctxt" or (keyword == "msgid" and target != ("msgctxt", 0)):
            entry = Entry(line=number, flags=flags)
            entries.append(entry)
            flags = set()
        assert entry is not None, f"{path}:{number}: {line}"
        match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if keyword == "msgstr" or match:
            index = int(match[1]) if match else 0
            entry.msgstr[index] = _unquote(rest)
            target = ("msgstr", index)
        elif keyword in ("msgid", "msgctxt", "msgid_plural"):
            setattr(entry, keyword, _unquote(rest))
            target = (keyword, 0)
        else:
            raise AssertionError(f"{path}:{number}: unexpected {line!r}")
    return entries


def catalogue(language: str, root: Path = LOCALE) -> Path:
    return root / language / "LC_MESSAGES" / "django.po"


# --- the Chinese catalogue is complete -----------------------------------------------------


def test_reader_reads_the_catalogue() -> None:
    entries = read_po(catalogue("zh_Hans"))
    header = entries[0]
    assert header.msgid == "" and "Plural-Forms: nplurals=1; plural=0;" in header.msgstr[0]
    assert len(entries) > 1000
    assert len({e.key for e in entries}) == len(entries), "duplicate msgids"


def test_every_chinese_msgid_is_translated() -> None:
    entries = read_po(catalogue("zh_Hans"))[1:]
    untranslated = [str(e) for e in entries if not e.translated]
    assert not untranslated, f"{len(untranslated)} untranslated in zh_Hans:\n" + "\n".join(
        untranslated
    )


def test_no_fuzzy_entry_is_left() -> None:
    for language in LANGUAGES:
        fuzzy = [str(e) for e in read_po(catalogue(language)) if "fuzzy" in e.flags]
        assert not fuzzy, f"{len(fuzzy)} fuzzy in {language}:\n" + "\n".join(fuzzy)


def test_chinese_plurals_have_one_form() -> None:
    for entry in read_po(catalogue("zh_Hans"))[1:]:
        if entry.msgid_plural is not None:
            assert sorted(entry.msgstr) == [0], str(entry)


def test_placeholders_are_kept() -> None:
    placeholder = re.compile(r"%\(\w+\)[sdfr]|%[sdfr]|%%|\{\{.*?\}\}|</?\w+[^>]*>")
    wrong = []
    for entry in read_po(catalogue("zh_Hans"))[1:]:
        if "no-python-format" in entry.flags:
            continue
        expected = sorted(placeholder.findall(entry.msgid))
        for text in entry.msgstr.values():
            if sorted(placeholder.findall(text)) != expected:
                wrong.append(f"{entry}: {text!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


# --- no msgid of the code is missing -------------------------------------------------------


def _makemessages_arguments() -> list[str]:
    """The Makefile's `messages` target's makemessages arguments."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    line = next(line for line in makefile.splitlines() if "makemessages" in line)
    return line.split("makemessages", 1)[1].split()


@pytest.fixture(scope="module")
def fresh_locale(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run makemessages over a copy of the code and the catalogues, so nothing of the project is
    written: makemessages writes temporary files beside each template it reads, and two test
    workers must not race on the project's own directories."""
    farm = tmp_path_factory.mktemp("messages")
    left_out = {"locale", "media", "staticfiles", "db.sqlite3", "tests", "benchmarks"}
    for item in ROOT.iterdir():
        if item.name in left_out or item.name.startswith("."):
            continue
        if item.is_dir():
            shutil.copytree(
                item, farm / item.name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )
        else:
            shutil.copy2(item, farm / item.name)
    shutil.copytree(LOCALE, farm / "locale", ignore=shutil.ignore_patterns("*.mo"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(farm), os.environ.get("PYTHONPATH")])),
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", "makemessages", *_makemessages_arguments()],
        cwd=farm,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return farm / "locale"


@needs_gettext
@pytest.mark.parametrize("language", LANGUAGES)
def test_no_msgid_of_the_code_is_missing(fresh_locale: Path, language: str) -> None:
    fresh = {e.key: e for e in read_po(catalogue(language, fresh_locale))[1:]}
    assert len(fresh) > 1000, "makemessages found too few strings: did it read the code?"
    known = {e.key for e in read_po(catalogue(language))[1:]}
    missing = [str(fresh[key]) for key in fresh.keys() - known]
    assert not missing, (
        f"{len(missing)} msgids of the code are not in {language}'s catalogue (run `make "
        "messages` and translate them); line numbers are those of the fresh catalogue:\n"
        + "\n".join(sorted(missing))
    )


# --- the .mo files are compiled from the .po files ----------------------------------------


def _translations(mo: Path) -> tuple[dict[object, str], str | None]:
    with mo.open("rb") as handle:
        translations = gettext.GNUTranslations(handle)
    messages = dict(translations._catalog)  # type: ignore[attr-defined]
    messages.pop("", None)  # the header: its dates change with every makemessages
    return messages, translations.info().get("plural-forms")


@needs_gettext
@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_is_up_to_date(tmp_path: Path, language: str) -> None:
    compiled = tmp_path / "django.mo"
    subprocess.run(
        ["msgfmt", "--check", "-o", str(compiled), str(catalogue(language))],
        check=True,
        capture_output=True,
        timeout=60,
    )
    committed = catalogue(language).with_suffix(".mo")
    assert committed.exists(), f"{committed} is missing: run compilemessages"
    expected, expected_plurals = _translations(compiled)
    actual, actual_plurals = _translations(committed)
    assert actual_plurals == expected_plurals
    stale = sorted(str(key) for key in expected.keys() ^ actual.keys()) + sorted(
        str(key) for key in expected.keys() & actual.keys() if expected[key] != actual[key]
    )
    assert not stale, (
        f"{committed.relative_to(ROOT)} is not compiled from its .po (run "
        "compilemessages); differing msgids:\n" + "\n".join(stale[:50])
    )
