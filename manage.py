#!/usr/bin/env python
"""Django's manage.py; operators use the `ent` command, which is the same thing."""

from ent.__main__ import main

if __name__ == "__main__":
    main()
