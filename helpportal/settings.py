"""Helpportal settings: one module, read from the environment.

The defaults are the embedded mode (SQLite under var/, Celery tasks run in-process,
local-memory cache), so `python3 dev.py run` needs nothing else. Production is chosen by
environment variables alone (see README.md, "Configuration"); with DEBUG off the site refuses
to start on the development secret key or an empty ALLOWED_HOSTS.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def envsecret(name: str, default: str = "") -> str:
    """A secret from NAME, or from the file named by NAME_FILE (Docker secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE cannot be read: {exc}") from None
    return os.environ.get(name, default)


DEBUG = envbool("DEBUG", True)
SECRET_KEY = envsecret("SECRET_KEY", DEV_SECRET_KEY)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "" if not DEBUG else "127.0.0.1,localhost,[::1]")

if not DEBUG:
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a random value of at least 50 characters when DEBUG is off."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must name the site's host(s) when DEBUG is off.")

SITE_NAME = envstr("SITE_NAME", "Helpportal")
# The public address of the site, printed on the professionals' card and in its QR code.
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000")
# The neutral site the quick-exit button leaves for. The only other host a page may name.
QUICK_EXIT_URL = envstr("QUICK_EXIT_URL", "https://www.wikipedia.org/")
# The request header that carries the visitor's address behind a proxy (nginx sets X-Real-IP).
# It is read once to derive a rate-limit key and then removed; see helpportal/middleware.py.
CLIENT_ADDRESS_HEADER = envstr("CLIENT_ADDRESS_HEADER", "REMOTE_ADDR")
# Neutral <title> on every page that names the topic (pathways, steps, self-check, urgent
# help, referral, mailbox, codename), so a glance at a tab or the history shows nothing. On by
# default; an operator may turn it off (NEUTRAL_TITLES=0).
NEUTRAL_TITLES = envbool("NEUTRAL_TITLES", True)

INSTALLED_APPS = [
    "accounts.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_prose_editor",  # the editors' rich text editor (its static files)
    "django_otp_webauthn",  # passkeys, a second factor (accounts/passkeys.py)
    "helpportal.apps.HelpportalConfig",
    "accounts.apps.AccountsConfig",
    "content",
    "directory",
    "referrals",
    "stats",
]

MIDDLEWARE = [
    "helpportal.middleware.PrivacyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "helpportal.middleware.SecurityHeadersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-csp's, adding Trusted Types outside /staff/ (helpportal/csp.py).
    "helpportal.csp.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Outside the timeout: it also clears the key cookie of a session the timeout ended.
    "accounts.middleware.StaffKeyCookieMiddleware",
    "accounts.middleware.StaffSessionTimeoutMiddleware",
    "accounts.middleware.SecondFactorRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last, so it sees a view's database error first: a 503 page instead of a 500.
    "helpportal.outage.DatabaseOutageMiddleware",
]

ROOT_URLCONF = envstr("ROOT_URLCONF", "helpportal.urls")  # bench/ adds a bare view
WSGI_APPLICATION = "helpportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "helpportal.context_processors.site",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL names another (postgres://...).
VAR_DIR = Path(envstr("VAR_DIR", str(BASE_DIR / "var")))
DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{VAR_DIR / 'helpportal.sqlite3'}"),
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache, counters and rate limits: Redis when REDIS_URL is set, else local memory.
REDIS_URL = envstr("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": envstr("CACHE_KEY_PREFIX", "hp"),
            "TIMEOUT": 300,
            # Fail fast when Redis is down: pages render without the cache meanwhile.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: a worker on Redis in production; in-process (eager) in the embedded mode.
CELERY_BROKER_URL = envstr("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = envstr("CELERY_RESULT_BACKEND", REDIS_URL or "cache+memory://")
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
# A late-acked task that no worker finished is handed out again after this long; it must be
# longer than the longest task can run, or a slow task would run twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request that queues a task waits at most about a second for a broker that is down; the
# outbox sweeper queues what could not be queued then.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {
    "publish-scheduled-content": {"task": "content.tasks.publish_scheduled", "schedule": 60.0},
    # Fixed times of day, not "every 24 h": beat counts an interval from its own start, so a
    # beat restarted more often than the interval (every deployment) would never run it.
    "purge-audit-log": {
        "task": "accounts.tasks.purge_audit_log", "schedule": crontab(minute=37, hour=3),
    },
}

# The login hash is Argon2id at the staff key's cost (accounts/hashers.py); PBKDF2 hashes from
# before are still checked and replaced at the next sign-in.
PASSWORD_HASHERS = [
    "accounts.hashers.StaffArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages: adding one is a translation file and content, not code (see docs/translating.md).
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fi", _("Finnish")),
    ("sv", _("Swedish")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# The site's English is British, and so are its dates (helpportal/formats/en/formats.py).
FORMAT_MODULE_PATH = ["helpportal.formats"]
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 31536000 if not DEBUG else 0

# Requests: small bodies only. A larger one is refused with the translated 400 page.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 256 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# Cookies exist only for staff and for forms; production gives them __Host-/__Secure- names.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
# Every cookie goes when the browser closes: none has a lifetime (Max-Age or Expires), so a
# device keeps no sign that this site's forms were ever opened (docs/privacy.md, "Cookies").
# The CSRF token is still checked as before; a form left open past a browser restart gets the
# translated "the form expired" answer, with the words kept.
CSRF_COOKIE_AGE = None
CSRF_FAILURE_VIEW = "helpportal.views.csrf_failure"
# A staff session also ends on the server 12 hours after sign-in (helpportal/sessions.py).
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Security headers. Permissions-Policy and Cross-Origin-Resource-Policy are added by
# helpportal.middleware.SecurityHeadersMiddleware; the CSP by django-csp.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
PERMISSIONS_POLICY = (
    "accelerometer=(), ambient-light-sensor=(), autoplay=(), battery=(), bluetooth=(), "
    "camera=(), display-capture=(), encrypted-media=(), fullscreen=(), gamepad=(), "
    "geolocation=(), gyroscope=(), hid=(), idle-detection=(), interest-cohort=(), "
    "local-fonts=(), magnetometer=(), microphone=(), midi=(), payment=(), "
    "picture-in-picture=(), publickey-credentials-get=(), screen-wake-lock=(), serial=(), "
    "usb=(), web-share=(), xr-spatial-tracking=()"
)

# Public pages also get `require-trusted-types-for 'script'` (helpportal/csp.py; not /staff/,
# whose admin uses jQuery; the staff area instead allows the rich text editor's style and
# font). Quick exit's redirect to QUICK_EXIT_URL is a top-level navigation, which no
# directive here restricts (form-action covers form submissions only).
from csp.constants import NONCE  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        # NONCE is sent only on a page that used it: the rich text editor's import map in the
        # admin (content/admin.py); every other page's policy is 'self' alone.
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}

# Behind nginx, which terminates TLS and sets X-Forwarded-Proto.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 63072000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

# Email: console in the embedded mode; SMTP when EMAIL_HOST is set.
EMAIL_HOST = envstr("EMAIL_HOST", "")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "helpportal@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ADMINS: list = []

# Logging: to stderr, one line per record, and never the request itself: a record's
# `request` (with its address, user agent and referrer) is dropped before formatting.
LOG_LEVEL = envstr("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_request": {"()": "helpportal.logging.DropRequestFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["no_request"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        # runserver's own request log; production runs gunicorn without an access log.
        "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "celery": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
}

# Staff sign-in (docs/staff-accounts.md). A password, then a second factor (TOTP, or a
# single-use backup code) before any page under /staff/. django-axes counts wrong passwords per
# username and connection, and locks a username for everyone only at a count far beyond one
# person's (accounts.lockout.sign_in_lock, docs/staff-accounts.md "Lockout"). The connection is
# the day's client key written as an fd00:: address (accounts.lockout.axes_client_ip), never
# the address; no user agent or access log is kept, so its tables hold usernames, keys, times.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "staff:login"
# The lock is decided in one function, which axes asks as its failure limit; the cool-off is
# how long a failure is remembered (the growing waits are inside the function).
AXES_FAILURE_LIMIT = "accounts.lockout.axes_failure_limit"
AXES_COOLOFF_TIME = timedelta(days=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "accounts.lockout.SignInAttemptHandler"  # axes' database handler, plus alerts
# A right password clears its own connection's count only, not the count of other connections.
AXES_RESET_ON_SUCCESS = True
# Tries refused during a wait are not counted and do not lengthen it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.axes_client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]
OTP_TOTP_ISSUER = SITE_NAME
# Passkeys (WebAuthn) as a second factor beside the app and backup codes (accounts/passkeys.py;
# docs/staff-accounts.md). Never passwordless: the password unwraps the staff member's key.
# The relying party is the host the request came to, unless WEBAUTHN_RP_ID names one (the
# site's domain, for example helpportal.example); the origins a ceremony may come from are
# this site's own, unless WEBAUTHN_ORIGINS lists them. STAFF_PASSKEY_REQUIRED: every staff
# member must sign in with a passkey (one without adds one before anything else).
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_HELPER_CLASS = "accounts.passkeys.PasskeyHelper"
OTP_WEBAUTHN_RP_ID_CALLABLE = "accounts.passkeys.relying_party_id"
OTP_WEBAUTHN_RP_NAME = SITE_NAME
# The allowed origins are decided per request by PasskeyHelper.get_allowed_origins (this
# site's own, or WEBAUTHN_ORIGINS), which the library's check of a static list cannot see.
SILENCED_SYSTEM_CHECKS = ["otp_webauthn.E030"]
WEBAUTHN_RP_ID = envstr("WEBAUTHN_RP_ID", "")
WEBAUTHN_ORIGINS = envlist("WEBAUTHN_ORIGINS")
STAFF_PASSKEY_REQUIRED = envbool("STAFF_PASSKEY_REQUIRED", False)
# The admin never shows a device's key or QR code; a person sets up their own app.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Staff sessions: signed out after 30 minutes without a request to a staff page, and 12 hours
# after signing in whatever happens (helpportal/sessions.py).
STAFF_PATH_PREFIXES = ("/staff/",)
STAFF_SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
STAFF_SESSION_MAX_AGE = timedelta(hours=12)

# Referrals: sealing, codenames, retention and limits (see docs/referrals.md, "Keys").
# Referrals are sealed to keys no server secret opens (referrals/crypto.py). REFERRAL_KEYS is
# needed only to read referrals written before sealing (Fernet keys, newest first,
# comma-separated), until `manage.py referrals_seal` has sealed them; then remove it.
REFERRAL_KEYS = [key.strip() for key in envsecret("REFERRAL_KEYS", "").split(",") if key.strip()]
# CODENAME_KEY: the pepper of what a codename derives (its lookup id, the visitor's key). It
# opens nothing by itself; without it a stolen database cannot even test a guessed codename.
CODENAME_KEY = envsecret("CODENAME_KEY", "")
if not DEBUG and len(CODENAME_KEY) < 32:
    raise ImproperlyConfigured(
        "CODENAME_KEY (at least 32 characters) must be set when DEBUG is off."
    )
# Staff keys (accounts/keys.py, docs/referrals.md "Keys"): Argon2id turns a staff password into
# the key that wraps their private key. 3 passes over 64 MiB is RFC 9106's second recommended
# setting (about 0.11 s on the 2-core build machine); at most PASSWORD_KEY_CONCURRENCY run at
# once in a process, so a burst of sign-ins costs at most that many times 64 MiB.
PASSWORD_KEY_OPSLIMIT = envint("PASSWORD_KEY_OPSLIMIT", 3)
PASSWORD_KEY_MEMLIMIT = envint("PASSWORD_KEY_MEMLIMIT", 64 * 1024 * 1024)
PASSWORD_KEY_CONCURRENCY = envint("PASSWORD_KEY_CONCURRENCY", 2)
# The signed-in staff member's unwrapped key is kept locked in their session; the other half of
# the lock's key lives only in this HttpOnly cookie (accounts/keystore.py).
STAFF_KEY_COOKIE_NAME = "hp-staff-key" if DEBUG else "__Host-hp-staff-key"
REFERRAL_RETENTION_DAYS = envint("REFERRAL_RETENTION_DAYS", 90)
REFERRAL_MAX_AGE_DAYS = envint("REFERRAL_MAX_AGE_DAYS", 180)
REFERRAL_MESSAGE_MAX_LENGTH = 5000
# Limits that a flood cannot spend for everyone (referrals/limits.py, docs/operations.md
# "Referral floods"): a client (an IPv4 address or an IPv6 /64) may send this many referrals a
# day; above the hourly ceilings, site-wide and per service, referrals are taken but held for
# review, and administrators are alerted, instead of being refused.
REFERRAL_LIMIT_PER_CLIENT_PER_DAY = envint("REFERRAL_LIMIT_PER_CLIENT_PER_DAY", 5)
REFERRAL_HOLD_ABOVE_PER_HOUR = envint("REFERRAL_HOLD_ABOVE_PER_HOUR", 300)
REFERRAL_HOLD_ABOVE_PER_SERVICE_PER_HOUR = envint("REFERRAL_HOLD_ABOVE_PER_SERVICE_PER_HOUR", 40)
MAILBOX_ATTEMPTS_PER_CLIENT_PER_HOUR = envint("MAILBOX_ATTEMPTS_PER_CLIENT_PER_HOUR", 10)
WEBHOOK_TIMEOUT_SECONDS = 5
# Waits double from 1 s up to 5 minutes: 20 attempts span about an hour of provider outage.
DELIVERY_MAX_ATTEMPTS = envint("DELIVERY_MAX_ATTEMPTS", 20)
# The sweeper re-queues a pending delivery whose task has not finished after this long.
OUTBOX_SWEEP_AFTER_SECONDS = envint("OUTBOX_SWEEP_AFTER_SECONDS", 60)
CELERY_BEAT_SCHEDULE.update({
    "sweep-outbox": {"task": "referrals.tasks.sweep_outbox", "schedule": 30.0},
    # Hourly at a fixed minute: a referral is gone within an hour of its retention end, and a
    # beat restart (see purge-audit-log) cannot postpone it.
    "purge-referrals": {
        "task": "referrals.tasks.purge_referrals", "schedule": crontab(minute=7),
    },
})

# Statistics (docs/statistics.md): allow-listed daily counts, Redis HINCRBYs in
# production, rolled up into the database every five minutes; the open data is suppressed.
STATS_REDIS_URL = envstr("STATS_REDIS_URL", REDIS_URL)
STATS_REDIS_PREFIX = envstr("STATS_REDIS_PREFIX", "stats:")
STATS_REDIS_TIMEOUT = 0.1  # seconds; a count is never worth a slow page
STATS_REDIS_RETRY_SECONDS = 1.0  # after a failure, skip Redis (and count the loss) this long
# 0: one HINCRBY round trip per event; above 0: each process buffers its counts and sends them
# as one pipeline this often (a page then pays a dictionary update, not a round trip).
try:
    STATS_FLUSH_SECONDS = float(envstr("STATS_FLUSH_SECONDS", "0.5"))
except ValueError:
    raise ImproperlyConfigured("STATS_FLUSH_SECONDS must be a number of seconds") from None
STATS_BATCH_KEEP_DAYS = 30
STATS_SMALL_COUNT = 10  # published counts from 1 to STATS_SMALL_COUNT - 1 are suppressed
# A week is published once it has ended and this much time has passed (late roll-ups).
STATS_PUBLISH_DELAY = timedelta(hours=envint("STATS_PUBLISH_DELAY_HOURS", 1))
CELERY_BEAT_SCHEDULE["stats-rollup"] = {"task": "stats.tasks.rollup", "schedule": 5 * 60.0}
