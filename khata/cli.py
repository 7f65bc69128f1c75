"""The ``khata`` command: Django's management commands under friendlier names.

khata serve                   run the web server (127.0.0.1:8000)
khata demo                    load the demo agency into an empty database
khata migrate                 bring the database schema up to date
khata createsuperuser         create a head of accounts
khata import clients FILE     import clients with their contacts from CSV
khata export clients          print the client list as CSV
khata token create EMAIL      create (or show) an API token
"""

from __future__ import annotations

import os
import sys

ALIASES = {
    "serve": ["runserver"],
    "import": ["import_data"],
    "export": ["export_data"],
    "token": ["api_token"],
}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khata.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(__doc__)
        if not args:
            return
    command, rest = (args[0], args[1:]) if args else ("help", [])
    expanded = ALIASES.get(command, [command])
    if command == "serve" and not any(not arg.startswith("-") for arg in rest):
        rest = [*rest, "127.0.0.1:8000"]
    execute_from_command_line(["khata", *expanded, *rest])


if __name__ == "__main__":
    main()
