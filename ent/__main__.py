"""The `ent` command: Django's manage.py under the project's name."""

import os
import sys


def main() -> None:
    """Run an operator command (`ent migrate`, `ent aaf import PATH`, …)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ent.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["ent", *sys.argv[1:]])


if __name__ == "__main__":
    main()
