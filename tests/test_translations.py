"""Every message of the UI is translated into Hindi and Russian, and the catalogues are current."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("hi", "ru")


def untranslated(po_path: Path) -> list[str]:
    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        if message.fuzzy or not all(strings):
            missing.append(str(message.id))
    return missing


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_catalogue_has_no_untranslated_message(language: str) -> None:
    po_path = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    assert po_path.exists(), f"{po_path} is missing: run `make messages` and translate it"
    missing = untranslated(po_path)
    assert not missing, f"{len(missing)} untranslated in {language}: {missing[:20]}"


@pytest.mark.skipif(
    shutil.which("xgettext") is None, reason="gettext is not installed (make test installs it)"
)
def test_every_message_in_the_source_is_in_the_catalogues(tmp_path: Path) -> None:
    """Extract the messages afresh into a copy of the tree: nothing new may be untranslated."""
    copy = tmp_path / "tree"
    copy.mkdir()
    for name in ("khata", "templates", "locale"):
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--no-location",
            "--no-obsolete",
            *[arg for lang in LANGUAGES for arg in ("-l", lang)],
        ],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "khata.settings",
            "KHATA_DATA_DIR": str(tmp_path / "var"),
            "PYTHONPATH": str(copy),
        },
    )
    assert result.returncode == 0, result.stderr
    problems = {
        lang: untranslated(copy / "locale" / lang / "LC_MESSAGES" / "django.po") for lang in LANGUAGES
    }
    assert not any(problems.values()), {lang: (len(items), items[:15]) for lang, items in problems.items()}
