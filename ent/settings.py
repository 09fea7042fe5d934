"""Settings of the ENT: one file, configured by environment variables only (see .env.example)."""

from __future__ import annotations

import secrets
import warnings
from collections.abc import Callable
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


def _embedded_file(name: str, make: Callable[[], bytes]) -> str:
    """Read a secret of the embedded demo from the data folder, writing `make()` there once
    (owner-only) the first time. Production reads every secret from the environment."""
    path = DATA_DIR / name
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_bytes(make())
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = env_secret("SECRET_KEY") or ""
if not SECRET_KEY:
    if not EMBEDDED:
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) is required when ENT_MODE=production."
        )
    SECRET_KEY = _embedded_file("secret-key", lambda: secrets.token_urlsafe(50).encode())

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Daphne's runserver serves HTTP and the chat's WebSocket from one process (`make run`).
    "daphne",
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
    "ent.rights",
    "ent.exchange",
    "ent.sso",
    "ent.notifications",
    "ent.moderation",
    "ent.support",
    "ent.files",
    "ent.messaging",
    "ent.forums",
    "ent.chat",
    "ent.announcements",
    "ent.blogs",
    "ent.addressbook",
    "ent.lesson_log",
    "ent.timetable",
    "ent.liaison_book",
    "ent.pupil_records",
    "ent.portal",
    "ent.search",
    "ent.backoffice",
    "oauth2_provider",
    "channels",
    # django-ninja: its static files (API docs) and `ent export_openapi_schema`.
    "ninja",
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
    "ent.identity.middleware.idle_timeout",
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
                "ent.portal.context_processors.portal",
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
LOGIN_URL = "identity:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "identity:login"
# SOC-SEC-IAU-08: the password policy (ent/identity/validators.py, CNIL délibération 2022-100).
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("login", "first_name", "last_name", "email")},
    },
    {"NAME": "ent.identity.validators.PersonalInformationValidator"},
    {"NAME": "ent.identity.validators.EntropyValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# A form post refused by the CSRF protection is traced in the audit trail.
CSRF_FAILURE_VIEW = "ent.identity.views.csrf_failure"

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

# Background work runs in-process by default, on ENT_TASKS_THREADS threads of the serving process
# ("thread"); ENT_TASKS_BACKEND=database hands it to `ent db_worker` processes on any host that
# reaches the database; "immediate" runs it inside the request (tests, one-off commands).
TASKS_BACKEND = env_str("ENT_TASKS_BACKEND", "thread")
ENT_TASKS_THREADS = env_int("ENT_TASKS_THREADS", 2)
TASKS = {
    "default": {
        "BACKEND": {
            "thread": "ent.core.task_backends.ThreadBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
        }.get(TASKS_BACKEND, "")
    }
}
if not TASKS["default"]["BACKEND"]:
    raise ImproperlyConfigured(
        f"ENT_TASKS_BACKEND={TASKS_BACKEND!r}: use thread, database or immediate."
    )

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# Front-end files that `make install` fetches from npm: the dyslexia-friendly font (OFL-1.1).
_FONTS = BASE_DIR / ".venv" / "npm" / "node_modules" / "@fontsource" / "opendyslexic" / "files"
STATICFILES_DIRS = [("fonts/opendyslexic", _FONTS)] if _FONTS.is_dir() else []
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

# --- Sign-in security (ent.identity: SOC-SEC-IAU-05, -08, -11, SOC-SEC-DVS-01) ---------------
# Brute force: this many failures of one login within the window lock it for ENT_LOCKOUT_MINUTES,
# doubled for each further lock within 24 h (at most 24 h); this many failures from one address
# lock the address. New locks are mailed to ENT_SECURITY_ALERT_EMAILS (comma-separated).
ENT_LOGIN_MAX_FAILURES = env_int("ENT_LOGIN_MAX_FAILURES", 5)
ENT_LOGIN_WINDOW_MINUTES = env_int("ENT_LOGIN_WINDOW_MINUTES", 15)
ENT_LOCKOUT_MINUTES = env_int("ENT_LOCKOUT_MINUTES", 15)
ENT_LOGIN_MAX_FAILURES_PER_ADDRESS = env_int("ENT_LOGIN_MAX_FAILURES_PER_ADDRESS", 50)
ENT_SECURITY_ALERT_EMAILS = env_list("ENT_SECURITY_ALERT_EMAILS")
# Reverse proxies whose X-Forwarded-For is believed: behind them, REMOTE_ADDR is the proxy's,
# and every visitor would share its address (and its lock).
ENT_TRUSTED_PROXIES = env_list("ENT_TRUSTED_PROXIES")
if (
    min(ENT_LOGIN_MAX_FAILURES, ENT_LOGIN_WINDOW_MINUTES, ENT_LOCKOUT_MINUTES) < 1
    or ENT_LOGIN_MAX_FAILURES_PER_ADDRESS < 1
):
    raise ImproperlyConfigured(
        "ENT_LOGIN_MAX_FAILURES, ENT_LOGIN_WINDOW_MINUTES, ENT_LOCKOUT_MINUTES and "
        "ENT_LOGIN_MAX_FAILURES_PER_ADDRESS: at least 1 is expected."
    )
# Minimum password entropy in bits: the CNIL asks 80 for a password alone, 50 with throttling.
ENT_PASSWORD_MIN_BITS = env_int("ENT_PASSWORD_MIN_BITS", 80)
# Who must give a one-time code after their password: operators, and these profiles.
ENT_TOTP_REQUIRED_FOR_OPERATORS = env_bool("ENT_TOTP_REQUIRED_FOR_OPERATORS", True)
ENT_TOTP_REQUIRED_PROFILES = env_list("ENT_TOTP_REQUIRED_PROFILES", ["DIR"])
# Idle timeout in minutes, by default and per channel and profile: "web:ELV=60,mobile:*=10080".
ENT_IDLE_TIMEOUT_MINUTES = env_int("ENT_IDLE_TIMEOUT_MINUTES", 30)


def _idle_timeouts(raw: str) -> dict[str, int]:
    """Read ENT_IDLE_TIMEOUTS: comma-separated channel:PROFILE=minutes, * for any profile."""
    rules: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        scope, _equals, minutes = item.partition("=")
        channel, _colon, profile = scope.partition(":")
        channel, profile = channel.strip().lower(), profile.strip().upper()
        if channel not in {"web", "mobile"} or not profile or not minutes.strip().isdigit():
            raise ImproperlyConfigured(
                f"ENT_IDLE_TIMEOUTS: {item!r} is not channel:PROFILE=minutes "
                "(channel web or mobile, profile such as ELV or *)."
            )
        rules[f"{channel}:{profile}"] = int(minutes)
    return rules


ENT_IDLE_TIMEOUTS = _idle_timeouts(env_str("ENT_IDLE_TIMEOUTS"))
if ENT_IDLE_TIMEOUT_MINUTES < 1 or 0 in ENT_IDLE_TIMEOUTS.values():
    raise ImproperlyConfigured("ENT_IDLE_TIMEOUT_MINUTES, ENT_IDLE_TIMEOUTS: at least 1 minute.")

# --- Account lifecycle: e-mail and credentials (SOC-SEC-IAU-13, -14) -------------------------
# E-mail carries password-reset links and login reminders. ENT_EMAIL_BACKEND is "file" (the
# embedded default: each message is written under DATA_DIR/mail, so `make run` needs no mail
# server), "smtp" (the production default, through EMAIL_HOST) or "console".
ENT_EMAIL_BACKEND = env_str("ENT_EMAIL_BACKEND", "file" if EMBEDDED else "smtp")
EMAIL_BACKEND = {
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
}.get(ENT_EMAIL_BACKEND, "")
if not EMAIL_BACKEND:
    raise ImproperlyConfigured(
        f"ENT_EMAIL_BACKEND={ENT_EMAIL_BACKEND!r}: use file, smtp or console."
    )
EMAIL_FILE_PATH = DATA_DIR / "mail"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"{ENT_PROJECT_NAME} <no-reply@localhost>")
# Days an activation code printed on a letter stays valid.
ENT_ACTIVATION_DAYS = env_int("ENT_ACTIVATION_DAYS", 60)
# Seconds a password-reset link sent by e-mail stays valid (Django's setting; one hour here).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3600)

# --- OpenID Connect provider (ent.sso.oidc): the mobile app, the API and OIDC services. ---


def _oidc_private_key() -> str:
    """Read the RSA key that signs ID and logout tokens; the embedded demo generates one."""
    key = env_secret("ENT_OIDC_KEY")
    if key:
        return key
    if not EMBEDDED:
        raise ImproperlyConfigured(
            "ENT_OIDC_KEY (or ENT_OIDC_KEY_FILE), an RSA private key in PEM, is required when "
            "ENT_MODE=production."
        )
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    def make() -> bytes:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    return _embedded_file("oidc-key.pem", make) + "\n"


ENT_OIDC_ACCESS_TOKEN_SECONDS = env_int("ENT_OIDC_ACCESS_TOKEN_SECONDS", 600)
# SOC-SEC-IAU-05: the idle timeout of the mobile app. A refresh token dies this long after its
# access token expired; each refresh (rotation) starts the count again.
ENT_OIDC_REFRESH_TOKEN_SECONDS = env_int("ENT_OIDC_REFRESH_TOKEN_SECONDS", 7 * 24 * 3600)
# Client ids (the ENT's own apps) that may ask for the "api" scope and call /api/v1/.
ENT_OIDC_API_CLIENTS = env_list("ENT_OIDC_API_CLIENTS")
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    # Empty: the issuer is the scheme and host of the request.
    "OIDC_ISS_ENDPOINT": env_str("ENT_OIDC_ISSUER").rstrip("/"),
    "OIDC_RSA_PRIVATE_KEY": _oidc_private_key(),
    "OAUTH2_VALIDATOR_CLASS": "ent.sso.oidc.EntValidator",
    "SCOPES_BACKEND_CLASS": "ent.sso.oidc.EntScopes",
    "SCOPES": {
        "openid": _("Your identity"),
        "profile": _("Your name"),
        "email": _("Your e-mail address"),
        "api": _("The ENT on your behalf (mobile app)"),
    },
    "DEFAULT_SCOPES": ["openid"],
    "PKCE_REQUIRED": True,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": ENT_OIDC_ACCESS_TOKEN_SECONDS,
    "ID_TOKEN_EXPIRE_SECONDS": ENT_OIDC_ACCESS_TOKEN_SECONDS,
    "REFRESH_TOKEN_EXPIRE_SECONDS": ENT_OIDC_REFRESH_TOKEN_SECONDS,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    # SOC-SEC-PII-07: https only in production; a mobile app adds its own scheme.
    "ALLOWED_REDIRECT_URI_SCHEMES": env_list(
        "ENT_OIDC_REDIRECT_SCHEMES", ["https", "http"] if EMBEDDED else ["https"]
    ),
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OIDC_SUBJECT_TYPES_SUPPORTED": ["pairwise", "public"],
    "OIDC_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": [
        "client_secret_basic",
        "client_secret_post",
        "none",
    ],
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
    # Logout revokes the tokens of the ended session only (ent.sso.oidc), not every device's.
    "OIDC_RP_INITIATED_LOGOUT_DELETE_TOKENS": False,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# CAS server (ent.sso.cas; docs/sso.md): lifetimes of service and proxy tickets (single use)
# and of proxy-granting tickets, in seconds; whether a proxy callback (pgtUrl) may be plain
# http on 127.0.0.1 (a service on the same host; true by default only in embedded mode).
ENT_CAS_TICKET_SECONDS = env_int("ENT_CAS_TICKET_SECONDS", 60)
ENT_CAS_PGT_SECONDS = env_int("ENT_CAS_PGT_SECONDS", 7200)
ENT_CAS_ALLOW_HTTP_CALLBACK = env_bool("ENT_CAS_ALLOW_HTTP_CALLBACK", EMBEDDED)

# --- SAML 2.0 (ent.sso.saml*; docs/sso.md): the ENT as identity provider (GAR, SAML services)
# and as service provider towards EduConnect and agents' portals. One RSA key pair signs both
# sides (PEM files); the embedded demo generates a self-signed pair once into DATA_DIR.
ENT_SAML_KEY_FILE = env_str("ENT_SAML_KEY_FILE")
ENT_SAML_CERT_FILE = env_str("ENT_SAML_CERT_FILE")
if not EMBEDDED and not (ENT_SAML_KEY_FILE and ENT_SAML_CERT_FILE):
    raise ImproperlyConfigured(
        "ENT_SAML_KEY_FILE and ENT_SAML_CERT_FILE (PEM) are required when ENT_MODE=production."
    )
ENT_SAML_XMLSEC_BINARY = env_str("ENT_SAML_XMLSEC_BINARY", "/usr/bin/xmlsec1")
# Public address of the ENT: entity ids and endpoints in the metadata are built from it.
# The ENT's public address, for links that leave it (e-mail, SMS) and the SAML endpoints.
ENT_BASE_URL = env_str(
    "ENT_BASE_URL",
    "http://localhost:8000" if EMBEDDED else f"https://{ALLOWED_HOSTS[0]}",
).rstrip("/")
ENT_SAML_BASE_URL = env_str("ENT_SAML_BASE_URL", ENT_BASE_URL).rstrip("/")
# GAR attribute profile: the ENT's GAR project id (idEnt) and the casing of profile codes
# (National_elv as in the GAR-ENT XSD, or National_ELV with ENT_SAML_GAR_UPPER_PROFILES).
ENT_SAML_GAR_ID_ENT = env_str("ENT_SAML_GAR_ID_ENT")
ENT_SAML_GAR_UPPER_PROFILES = env_bool("ENT_SAML_GAR_UPPER_PROFILES", False)
# Federation: the académie codes accepted in EduConnect's {AAF}<code>|…|<joint key> values
# (empty: any académie).
ENT_SAML_AAF_ACADEMIES = env_list("ENT_SAML_AAF_ACADEMIES")
# pysaml2 7.5.5 imports a cipher mode from cryptography's old place and xmlschema announces
# each schema it loads: neither says anything about the ENT.
warnings.filterwarnings("ignore", message="CFB has been moved", module="saml2")
LOGGING["loggers"]["xmlschema"] = {"level": "WARNING"}  # type: ignore[index]

# Portal (SOC-POR-PPO-01, -08): the académie's logo (a static path or an https URL) and the
# contact of the data-protection officer named in the personal-data notice.
ENT_ACADEMY_LOGO = env_str("ENT_ACADEMY_LOGO", "core/academie.svg")
ENT_DPO_EMAIL = env_str("ENT_DPO_EMAIL", "dpd@localhost")
ENT_DATA_CONTROLLER = env_str("ENT_DATA_CONTROLLER", "")

# Notifications (UTI-UTL-NOT): the SMS gateway ("console" writes to the log, "file" to the data
# folder, "http" posts to ENT_SMS_URL) and the profiles a school may reach by SMS.
ENT_SMS_BACKEND = env_str("ENT_SMS_BACKEND", "file" if EMBEDDED else "console")
ENT_SMS_URL = env_str("ENT_SMS_URL")
ENT_SMS_TOKEN = env_secret("ENT_SMS_TOKEN") or ""

# The day the school year starts (month, day): services file entries and archives by school year.
ENT_SCHOOL_YEAR_START = (
    env_int("ENT_SCHOOL_YEAR_START_MONTH", 9),
    env_int("ENT_SCHOOL_YEAR_START_DAY", 1),
)

# Timetable imports (UTI-AVE-EDT): the partner key registered with Index Education to read
# encrypted EDT exports (PEM or DER PKCS#8), the partner name in those exports, and the upload cap.
ENT_TIMETABLE_EDT_KEY_FILE = env_str("ENT_TIMETABLE_EDT_KEY_FILE")
ENT_TIMETABLE_EDT_PARTNER = env_str("ENT_TIMETABLE_EDT_PARTNER")
ENT_TIMETABLE_MAX_UPLOAD_BYTES = env_int("ENT_TIMETABLE_MAX_UPLOAD_BYTES", 5 * 1024 * 1024)

# Instant messaging (UTI-CCO-MIN) runs over WebSocket through Django Channels: in memory in the
# embedded default (one process), on Redis (ENT_CHANNELS_REDIS_URL) when several processes serve.
ASGI_APPLICATION = "ent.asgi.application"
ENT_CHANNELS_REDIS_URL = env_str("ENT_CHANNELS_REDIS_URL", CACHE_URL if CACHE_URL else "")
CHANNEL_LAYERS = {
    "default": (
        {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [ENT_CHANNELS_REDIS_URL]},
        }
        if ENT_CHANNELS_REDIS_URL
        else {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    )
}

# Mail (UTI-CCO-CEL): every member's address is login@ENT_MAIL_DOMAIN. Mail to the outside leaves
# through the académie's relay (ENT_MAIL_RELAY_HOST; none: external mail stays in the sender's
# box, marked undelivered). Standard clients reach the same boxes over IMAP and SMTP submission
# (`ent messaging imap|smtp`), with the TLS certificate and key named here.
ENT_MAIL_DOMAIN = env_str("ENT_MAIL_DOMAIN", "ent.localhost" if EMBEDDED else ALLOWED_HOSTS[0])
ENT_MAIL_RELAY_HOST = env_str("ENT_MAIL_RELAY_HOST")
ENT_MAIL_RELAY_PORT = env_int("ENT_MAIL_RELAY_PORT", 25)
ENT_MAIL_QUOTA_BYTES = env_int("ENT_MAIL_QUOTA_BYTES", 500 * 1024 * 1024)
ENT_MAIL_MAX_MESSAGE_BYTES = env_int("ENT_MAIL_MAX_MESSAGE_BYTES", 25 * 1024 * 1024)
ENT_IMAP_PORT = env_int("ENT_IMAP_PORT", 1143 if EMBEDDED else 993)
ENT_SMTP_SUBMISSION_PORT = env_int("ENT_SMTP_SUBMISSION_PORT", 1587 if EMBEDDED else 587)
ENT_SMTP_INBOUND_PORT = env_int("ENT_SMTP_INBOUND_PORT", 1025 if EMBEDDED else 25)
ENT_MAIL_TLS_CERT_FILE = env_str("ENT_MAIL_TLS_CERT_FILE")
ENT_MAIL_TLS_KEY_FILE = env_str("ENT_MAIL_TLS_KEY_FILE")

# Antivirus (UTI-CCO-CEL-19, UTI-UTL-ESF-09): ClamAV's daemon, by its socket or host:port. When it
# is configured the scan is a hard gate: what it cannot scan waits in quarantine, never delivered
# unscanned. Unset (the embedded default), uploads are marked "not scanned".
ENT_CLAMD_SOCKET = env_str("ENT_CLAMD_SOCKET")
ENT_CLAMD_ADDRESS = env_str("ENT_CLAMD_ADDRESS")
ENT_CLAMD_TIMEOUT_SECONDS = env_int("ENT_CLAMD_TIMEOUT_SECONDS", 30)

# Uploads (files, attachments, blog images): the largest file accepted, and each person's quota.
ENT_UPLOAD_MAX_BYTES = env_int("ENT_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
ENT_FILES_QUOTA_BYTES = env_int("ENT_FILES_QUOTA_BYTES", 1024 * 1024 * 1024)
