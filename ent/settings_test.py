"""Test settings: the production settings, made faster (cheap hasher, in-process tasks)."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-000000000")

from ent.settings import *  # noqa: F403 (test settings extend every production setting)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
LANGUAGE_CODE = "fr"
