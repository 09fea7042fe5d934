"""Settings of the ENT: one file, configured by environment variables only (see .env.example)."""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from ent.core.env import env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("ENT_DATA_DIR", str(BASE_DIR / "var"))).resolve()
# "embedded" runs on SQLite and local files with nothing else installed; "production" demands
# every secret from the environment.
ENT_MODE = env_str("ENT_MODE", "embedded")
if ENT_MODE not in {"embedded", "production"}:
    raise ImproperlyConfigured(f"ENT_MODE={ENT_MODE!r}: use embedded or production.")
EMBEDDED = ENT_MODE == "embedded"


def _embedded_secret_key() -> str:
    """Read the embedded demo's secret key, generating it once into the data folder."""
    path = DATA_DIR / "secret-key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = env_secret("SECRET_KEY") or ""
if not SECRET_KEY:
    if not EMBEDDED:
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) is required when ENT_MODE=production."
        )
    SECRET_KEY = _embedded_secret_key()

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ent.core",
    "ent.audit",
    "ent.directory",
    "ent.identity",
    "ent.exchange",
    "ent.sso",
    "oauth2_provider",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "ent.urls"
WSGI_APPLICATION = "ent.wsgi.application"
ASGI_APPLICATION = "ent.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ent.core.context_processors.project",
            ],
        },
    },
]


def _databases() -> dict[str, dict[str, object]]:
    """Build DATABASES from DATABASE_URL, or the embedded SQLite file in WAL mode."""
    url = env_str("DATABASE_URL")
    if not url:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{DATA_DIR / 'ent.sqlite3'}"
    try:
        config: dict[str, object] = dict(
            dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))
        )
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL is not understood: {error}.") from None
    engine = str(config["ENGINE"])
    if engine == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            # IMMEDIATE transactions take the write lock up front, so concurrent writers wait
            # instead of failing; WAL lets readers go on while a feed import writes.
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        }
    elif engine not in {"django.db.backends.postgresql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL: engine {engine} is not supported (sqlite, postgres)."
        )
    return {"default": config}


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "directory.User"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "directory:home"
LOGOUT_REDIRECT_URL = "login"

CACHE_URL = env_str("CACHE_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL.startswith(("redis://", "rediss://"))
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured(f"CACHE_URL={CACHE_URL!r}: only redis:// URLs are supported.")

# Background work runs in-process by default; ENT_TASKS_BACKEND=database hands it to
# `ent db_worker` processes on any host that reaches the database.
TASKS_BACKEND = env_str("ENT_TASKS_BACKEND", "immediate")
TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
        }.get(TASKS_BACKEND, "")
    }
}
if not TASKS["default"]["BACKEND"]:
    raise ImproperlyConfigured(f"ENT_TASKS_BACKEND={TASKS_BACKEND!r}: use immediate or database.")

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = Path(env_str("ENT_MEDIA_ROOT", str(DATA_DIR / "media")))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not EMBEDDED)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# The project's identity, shown on every page.
ENT_PROJECT_NAME = env_str("ENT_PROJECT_NAME", "ENT")
ENT_ACADEMY = env_str("ENT_ACADEMY", "DEMO")
# SOC-SUP-ABO-01: personal data of a departed account is purged after this many days.
ENT_PURGE_AFTER_DAYS = env_int("ENT_PURGE_AFTER_DAYS", 90)
if not 0 <= ENT_PURGE_AFTER_DAYS <= 90:
    raise ImproperlyConfigured(
        f"ENT_PURGE_AFTER_DAYS={ENT_PURGE_AFTER_DAYS}: the SDET (SOC-SUP-ABO-01) allows 0 to 90."
    )
# Login rule for new accounts: fields {first} and {last}, lower-case ASCII.
ENT_LOGIN_PATTERN = env_str("ENT_LOGIN_PATTERN", "{first}.{last}")
AAF_LOT_SIZE = env_int("AAF_LOT_SIZE", 1000)
AAF_LOT_RETRIES = env_int("AAF_LOT_RETRIES", 3)
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 365)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
