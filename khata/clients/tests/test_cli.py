"""The ``khata import clients`` and ``khata export clients`` commands, and the ``khata`` entry point."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from khata.cli import main
from khata.clients.models import Client, Contact
from khata.core.models import Event
from khata.people.models import User

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[3]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, no_color=True)
    return out.getvalue()


def counts() -> tuple[int, int, int]:
    return Client.objects.count(), Contact.objects.count(), Event.objects.count()


@pytest.mark.django_db
def test_import_prints_each_row_and_the_totals(admin: User, am: User, other_am: User) -> None:
    output = run("import_data", "clients", str(DATA / "good.csv"), "--as", "head@agency.test")

    assert output.splitlines() == [
        "line 2: new · Tulsi Organics",
        "line 4: new · Tulsi Organics",
        "line 6: new · Cedar Labs",
        "Rows: 3 new, 0 updated, 0 unchanged, 0 with errors.",
        "Imported.",
    ]
    assert Client.objects.count() == 2
    assert Event.objects.get(kind="clients.import_completed").actor == admin


@pytest.mark.django_db
def test_import_with_a_bad_row_exits_1_names_the_line_and_saves_nothing(am: User, other_am: User) -> None:
    before = counts()
    out = io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import_data", "clients", str(DATA / "bad_row.csv"), stdout=out, no_color=True)

    assert raised.value.returncode == 1
    assert "Nothing was imported" in str(raised.value)
    lines = out.getvalue().splitlines()
    assert "line 7: country: Unknown country code: XX." in lines
    assert "Rows: 5 new, 0 updated, 0 unchanged, 1 with errors." in lines
    assert counts() == before


@pytest.mark.django_db
def test_dry_run_says_nothing_was_saved(am: User, other_am: User) -> None:
    before = counts()

    output = run("import_data", "clients", str(DATA / "good.csv"), "--dry-run", "--verbosity", "0")

    assert output.splitlines() == [
        "Rows: 3 new, 0 updated, 0 unchanged, 0 with errors.",
        "Dry run: every row is valid; nothing was saved.",
    ]
    assert counts() == before


@pytest.mark.django_db
def test_import_refuses_an_unknown_person_or_file(am: User) -> None:
    with pytest.raises(CommandError, match=r"No one signs in with ghost@agency\.test"):
        run("import_data", "clients", str(DATA / "good.csv"), "--as", "ghost@agency.test")
    with pytest.raises(CommandError, match="No such file"):
        run("import_data", "clients", str(DATA / "missing.csv"))


@pytest.mark.django_db
def test_export_writes_csv_to_stdout_filtered_by_status_and_owner(
    am: User, client_a: Client, client_b: Client
) -> None:
    Client.objects.filter(pk=client_b.pk).update(status=Client.Status.PAUSED)

    everyone = list(csv.DictReader(io.StringIO(run("export_data", "clients"))))
    paused = list(csv.DictReader(io.StringIO(run("export_data", "clients", "--status", "paused"))))
    mine = list(csv.DictReader(io.StringIO(run("export_data", "clients", "--owner", "AM@agency.test"))))

    assert [row["display_name"] for row in everyone] == ["Acme Retail", "Borealis Foods"]
    assert [row["display_name"] for row in paused] == ["Borealis Foods"]
    assert [row["display_name"] for row in mine] == ["Acme Retail"]
    with pytest.raises(CommandError, match=r"No one signs in with nobody@agency\.test"):
        run("export_data", "clients", "--owner", "nobody@agency.test")


@pytest.mark.django_db
def test_export_to_a_file_imports_back_unchanged(
    tmp_path: Path, admin: User, client_a: Client, client_b: Client, contact_a: User
) -> None:
    target = tmp_path / "clients.csv"
    err = io.StringIO()
    call_command("export_data", "clients", "-o", str(target), stdout=io.StringIO(), stderr=err)

    assert err.getvalue().strip() == f"2 rows written to {target}."
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")  # spreadsheets then read it as UTF-8
    output = run("import_data", "clients", str(target))
    assert "Rows: 0 new, 0 updated, 2 unchanged, 0 with errors." in output


@pytest.mark.django_db
def test_export_as_a_person_shows_only_their_clients(am: User, client_a: Client, client_b: Client) -> None:
    rows = list(csv.DictReader(io.StringIO(run("export_data", "clients", "--as", "am@agency.test"))))

    assert [row["display_name"] for row in rows] == ["Acme Retail"]


def test_khata_help_lists_the_verbs(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--help"])

    text = capsys.readouterr().out
    assert text.startswith("The ``khata`` command")
    for verb in ("khata serve", "khata import clients FILE.csv", "khata export clients", "khata token"):
        assert verb in text


@pytest.mark.parametrize(("verb", "words"), [("import", "--dry-run"), ("export", "--status")])
def test_each_verb_explains_itself_under_its_own_name(
    capsys: pytest.CaptureFixture[str], verb: str, words: str
) -> None:
    with pytest.raises(SystemExit) as raised:
        main([verb, "--help"])

    text = capsys.readouterr().out
    assert raised.value.code == 0
    assert text.startswith(f"usage: khata {verb} ")
    assert words in text


def test_real_entry_point_imports_and_exports(tmp_path: Path) -> None:
    """The installed ``khata`` script, on a fresh embedded database of its own."""
    khata = str(Path(sys.executable).with_name("khata"))
    env = {name: value for name, value in os.environ.items() if not name.startswith(("DATABASE_", "DJANGO_"))}
    env["KHATA_DATA_DIR"] = str(tmp_path)

    def khata_run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [khata, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False
        )
        if check:
            assert done.returncode == 0, done.stderr
        return done

    khata_run("migrate", "--verbosity", "0")
    people = "; ".join(
        f"User.objects.create_user(email='{name}@khata-agency.example', full_name='{name}', role='am')"
        for name in ("arjun.mehta", "kavya.nair", "rohan.desai")
    )
    khata_run("shell", "-c", f"from khata.people.models import User; {people}")
    example = str(ROOT / "docs" / "import-clients.csv")

    first = khata_run("import", "clients", example)
    bad = khata_run("import", "clients", str(DATA / "bad_row.csv"), check=False)
    exported = khata_run("export", "clients", "--status", "active")

    assert "Rows: 5 new, 0 updated, 0 unchanged, 0 with errors." in first.stdout
    assert bad.returncode == 1
    assert "line 2: owner_email: No one at the agency signs in with am@agency.test." in bad.stdout
    assert "Nothing was imported" in bad.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert sorted({row["display_name"] for row in rows}) == ["Berliner Kaffee", "Saffron Threads"]
    assert (tmp_path / "khata.sqlite3").exists()
