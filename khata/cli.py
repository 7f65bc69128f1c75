"""The ``khata`` command: Django's management commands under friendlier names.

usage: khata COMMAND [options]

  khata serve [ADDRESS:PORT]           run the web server (default 127.0.0.1:8000)
  khata demo                           load the demo agency into an empty database
  khata migrate                        bring the database schema up to date
  khata createsuperuser                create a head of accounts
  khata import clients FILE.csv        import clients with their contacts from CSV
        [--dry-run] [--as EMAIL]         (all rows or none; exit status 1 on any bad row)
  khata export clients                 write clients with their contacts as CSV
        [--status S] [--owner EMAIL] [-o FILE]
  khata token create EMAIL             create (or show) an API token
  khata worker [--batch]               run the background tasks (emails, reminders) as they come
                                         (--batch: run what is waiting, then exit)
  khata scheduler [--once]             enqueue the periodic jobs' due items every minute
        [--every SECONDS]                (--once: one pass, for cron)

`khata COMMAND --help` explains a command; `khata help --commands` lists every Django
management command, which `khata` runs too. Settings come from the environment: DATABASE_URL,
KHATA_DATA_DIR, SECRET_KEY (see README.md).
"""

from __future__ import annotations

import os
import sys

ALIASES = {
    "serve": "runserver",
    "import": "import_data",
    "export": "export_data",
    "token": "api_token",
}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khata.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args in (["-h"], ["--help"], ["help"]):
        print(__doc__.strip())
        return
    command, rest = args[0], args[1:]
    if command == "help" and rest and rest[0] in ALIASES:
        command, rest = rest[0], ["--help"]
    if command == "serve" and not any(not arg.startswith("-") for arg in rest):
        rest = [*rest, "127.0.0.1:8000"]
    if command in ALIASES and command != "serve":
        run_alias(command, rest)
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["khata", ALIASES.get(command, command), *rest])


def run_alias(alias: str, rest: list[str]) -> None:
    """Run the command behind an alias so that its usage line reads ``khata import …``."""
    import django
    from django.core.management import execute_from_command_line, get_commands, load_command_class

    django.setup()
    name = ALIASES[alias]
    app = get_commands().get(name)
    if app is None:
        execute_from_command_line(["khata", name, *rest])
        return
    load_command_class(app, name).run_from_argv(["khata", alias, *rest])


if __name__ == "__main__":
    main()
