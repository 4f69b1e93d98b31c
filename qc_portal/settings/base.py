"""QC Portal settings: one module, read from the environment.

With nothing set this is the *embedded default* used by `make demo` and a quick `make test`:
SQLite under var/, Celery tasks run eagerly, debug on. Production sets DATABASE_URL,
CELERY_BROKER_URL, SECRET_KEY, ALLOWED_HOSTS and DEBUG=false; nothing else differs.
"""

from datetime import date, timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from qc_portal.beat import collect_beat_schedule

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

# The development key is public; production must bring its own and start-up refuses otherwise.
DEVELOPMENT_SECRET_KEY = "django-insecure-qc-portal-embedded-development-key-not-for-production"
SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
if not DEBUG and (
    len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5  # the same test as Django's deploy check (security.W009)
    or SECRET_KEY.startswith(("django-insecure", "change-me"))  # ours, or .env.example's
):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters when DEBUG is off."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "qc_portal.views.csrf_failure"

LOCAL_APPS = [
    "qc_portal",
    "services",
    "transparency",
    "credit",
    "integration",
    "training",
    "assistant",
    "kpis",
]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    *LOCAL_APPS,
    # Last, so qc_portal's sign-in receivers run before axes decides on a lock-out and the
    # security log tells a failed attempt (checked) from a blocked one (never checked).
    "axes",
]

MIDDLEWARE = [
    "qc_portal.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified()
    "django.contrib.messages.middleware.MessageMiddleware",
    "qc_portal.middleware.SessionExpiryMiddleware",  # idle and absolute session limits
    "qc_portal.middleware.TwoFactorMiddleware",  # 2FA roles and the admin: verified or away
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "qc_portal.middleware.SecurityHeadersMiddleware",  # Permissions-Policy
    "axes.middleware.AxesMiddleware",  # last: turns a lock-out into the sign-in page, 429
]

ROOT_URLCONF = "qc_portal.urls"
WSGI_APPLICATION = "qc_portal.wsgi.application"

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
                "django.template.context_processors.i18n",
                "qc_portal.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'qc_portal.sqlite3'}")
}
# Reconnect transparently after a database restart instead of failing the next request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded demo database: WAL and relaxed syncing make seeding minutes faster, and
    # IMMEDIATE transactions avoid "database is locked" between runserver and Celery eager work.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One cache shared by every web process in production (throttling, live-queue figures).
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://qc-portal")}

# --- Sign-in, passwords, sessions ---
AUTHENTICATION_BACKENDS = [
    "qc_portal.auth_backends.LockoutBackend",  # django-axes: refuses a locked-out username+address first
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2id for every new or changed password; older hashes still verify and are upgraded
# at the next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        # Staff (any staff role, or the admin site) need 12 characters, customers 8.
        "NAME": "qc_portal.passwords.RoleMinimumLengthValidator",
        "OPTIONS": {"min_length": 8, "staff_min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Absolute limit: a session ends this long after sign-in, however busy (seconds).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
QC_SESSION_ABSOLUTE_TIMEOUT = SESSION_COOKIE_AGE
# Idle limit: a session unused this long ends (seconds).
QC_SESSION_IDLE_TIMEOUT = env.int("QC_SESSION_IDLE_TIMEOUT", default=30 * 60)

# Lock-out (django-axes): after QC_LOGIN_FAILURE_LIMIT failed sign-ins for one username from
# one address, that pair is refused for the cool-off, whatever the password. The web form,
# the admin and the API token endpoint all count.
AXES_FAILURE_LIMIT = env.int("QC_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("QC_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Attempts during a lock-out do not extend it (nobody can keep a colleague locked out
# forever), and are logged as blocked.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "qc_portal.middleware.client_ip"  # the audit trail's rule (NUM_PROXIES)
AXES_LOCKOUT_CALLABLE = "qc_portal.auth_views.locked_out"
AXES_VERBOSE = False  # our own security log says it once, as JSON
AXES_ENABLE_ADMIN = True

# Two-factor authentication (TOTP, django-otp) for the roles that decide credit or hold
# integration secrets, and for everyone who can open the admin site. On by default,
# everywhere: the demo pre-enrols its logins (see qc_portal/demo.py).
QC_REQUIRE_2FA = env.bool("QC_REQUIRE_2FA", default=True)
QC_2FA_ROLES = ["risk_initial", "risk_review", "risk_final", "risk_manager", "integration_admin"]
OTP_TOTP_ISSUER = "QC Portal"
OTP_TOTP_THROTTLE_FACTOR = 1  # each wrong code doubles the wait before the next try
QC_RECOVERY_CODE_COUNT = 10

LANGUAGE_CODE = "zh-hans"
# Each language is named in itself, so anyone can find their own in the switch.
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# Our catalogues outrank Django's own: otherwise the admin's wording of a shared msgid
# ("Filter", "Action", ...) would win, because django.contrib apps are installed first.
LOCALE_PATHS = [BASE_DIR / app / "locale" for app in LOCAL_APPS]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Front-end packages come from package.json (npm ci); only their built files are collected.
STATICFILES_DIRS = [
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    # Embedded mode: mail is written to var/mail/ (one file per message) instead of flooding
    # the console while the demo seeds months of alerts.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = BASE_DIR / "var" / "mail"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="qc-portal@bank.example")

# --- Security: production values follow from DEBUG being off, nothing else to remember. ---
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Reverse proxies in front of the web processes. With 0, the connecting address is the client
# (no X-Forwarded-For is believed, so it cannot be forged to dodge a throttle); behind one
# proxy set 1: the client is then the address that proxy appended. Used by the audit trail
# and by DRF's throttles alike.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts only from our origin or inline with this
# request's nonce (`<script nonce="{{ request.csp_nonce }}">`); no inline event handlers.
# Styles may be inline (ECharts and htmx set style attributes).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Browser features the portal never uses.
QC_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)

# --- API ---
REST_FRAMEWORK = {
    # Token first: DRF answers an anonymous request with the first class's challenge, so the
    # mobile app gets 401 + "WWW-Authenticate: Token" instead of a bare 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "qc_portal.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="120/min"),
        "user": env.str("THROTTLE_USER", default="1200/min"),
        "token": env.str("THROTTLE_TOKEN", default="10/min"),
        "track": env.str("THROTTLE_TRACK", default="30/min"),
        "ingest": env.str("THROTTLE_INGEST", default="600/min"),
    },
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "qc_portal.api.errors.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "QC Portal API",
    "DESCRIPTION": "Quality-control programme of the bank: tracking, credit approval, ingest, KPIs.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # `check --deploy` checks the deployment (keys, TLS, cookies); the schema's quality is
    # checked by the test suite (tests/qc_portal/test_api.py), where a warning names its app.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
    # Choice sets that share a field name across apps get stable, readable names in the
    # schema (the mobile app's generated client uses them) instead of hash suffixes.
    "ENUM_NAME_OVERRIDES": {
        "CreditStageEnum": "credit.models.Stage",
        "CaseStatusEnum": "transparency.models.Case.Status",
    },
}
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=24)

# --- Celery ---
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# Without a broker (embedded mode) tasks run in-process, so the demo needs no Redis.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True  # a task is acknowledged only after it finished ...
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # ... and redelivered if its worker died mid-way
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=600)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=900)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers unacknowledged tasks after this; no countdown/eta may exceed half of it.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = TIME_ZONE
# Each app lists its periodic jobs in <app>/schedule.py; see qc_portal/beat.py.
CELERY_BEAT_SCHEDULE = collect_beat_schedule(LOCAL_APPS)

# --- The programme ---
# Start of the quality-control programme: baselines are the periods before it and the
# programme plan (seed section 3) is laid out from it.
QC_PROGRAMME_START = date.fromisoformat(env.str("QC_PROGRAMME_START", default="2026-04-01"))
# A KPI result with fewer observations than this is "insufficient data", never a 100 %.
QC_MIN_OBSERVATIONS = env.int("QC_MIN_OBSERVATIONS", default=30)
QC_PORTAL_URL = env.str("QC_PORTAL_URL", default="http://127.0.0.1:8000")
# Officers whose mandatory risk-control training lapsed may not decide credit stages.
QC_CREDIT_TRAINING_GATE = env.bool("QC_CREDIT_TRAINING_GATE", default=True)
# Ingest API (DOMAIN.md "Request signing and idempotency").
QC_INGEST_MAX_BATCH = env.int("QC_INGEST_MAX_BATCH", default=5000)
# A full ingest batch is several MB of JSON; Django's 2.5 MB default would refuse it.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=16 * 1024 * 1024)
QC_INGEST_SYNC_LIMIT = env.int("QC_INGEST_SYNC_LIMIT", default=200)  # larger batches go to Celery
QC_INGEST_TIMESTAMP_TOLERANCE = env.int("QC_INGEST_TIMESTAMP_TOLERANCE", default=300)
QC_SECRET_ROTATION_OVERLAP_HOURS = env.int("QC_SECRET_ROTATION_OVERLAP_HOURS", default=24)
# Fernet key (urlsafe base64, 32 bytes) encrypting source-system secrets at rest. The embedded
# default derives one from SECRET_KEY; production sets its own.
QC_FIELD_ENCRYPTION_KEY = env.str("QC_FIELD_ENCRYPTION_KEY", default="")
if not DEBUG and not QC_FIELD_ENCRYPTION_KEY:
    raise ImproperlyConfigured("QC_FIELD_ENCRYPTION_KEY must be set when DEBUG is off.")
# Customer notifications: SMS backend (dotted path); the console one prints in development.
QC_SMS_BACKEND = env.str("QC_SMS_BACKEND", default="transparency.sms.ConsoleSmsBackend")
QC_SMS_FILE_PATH = env.str("QC_SMS_FILE_PATH", default=str(BASE_DIR / "var" / "sms.log"))

# Measure settings, each with the default its app documents.
# Services: when the live queue alerts, and the counter's Erlang C wait target.
QC_SERVICES_MAX_WAIT_SECONDS = env.int("QC_SERVICES_MAX_WAIT_SECONDS", default=900)
QC_SERVICES_MAX_QUEUE_LENGTH = env.int("QC_SERVICES_MAX_QUEUE_LENGTH", default=15)
QC_SERVICES_COUNTER_TARGET_SECONDS = env.int("QC_SERVICES_COUNTER_TARGET_SECONDS", default=600)
# Credit (ratios as decimal strings): single-borrower concentration, contagion share of a
# debtor's non-performing claims, NPL early-warning level and limit, quarterly review sample.
QC_CREDIT_CONCENTRATION_SHARE = env.str("QC_CREDIT_CONCENTRATION_SHARE", default="0.10")
QC_CREDIT_CONTAGION_SHARE = env.str("QC_CREDIT_CONTAGION_SHARE", default="0.10")
QC_CREDIT_NPL_WARNING_RATIO = env.str("QC_CREDIT_NPL_WARNING_RATIO", default="0.018")
QC_CREDIT_NPL_LIMIT = env.str("QC_CREDIT_NPL_LIMIT", default="0.02")
QC_CREDIT_REVIEW_SHARE = env.str("QC_CREDIT_REVIEW_SHARE", default="0.05")
# Training: days into a quarter during which last quarter's completion still counts.
QC_TRAINING_GRACE_DAYS = env.int("QC_TRAINING_GRACE_DAYS", default=30)
# Assistant: below this confidence it hands over to a person; idle chats close after this.
QC_ASSISTANT_MIN_CONFIDENCE = env.float("QC_ASSISTANT_MIN_CONFIDENCE", default=0.3)
QC_ASSISTANT_IDLE_MINUTES = env.int("QC_ASSISTANT_IDLE_MINUTES", default=30)
# KPIs: how many months before the programme start form the baseline.
QC_BASELINE_MONTHS = env.int("QC_BASELINE_MONTHS", default=3)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "qc_portal.middleware.RequestIdFilter"}},
    "formatters": {
        # One line per record, tracebacks included (folded), so a log line is an event.
        "line": {
            "()": "qc_portal.logformat.SingleLineFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
        "json": {"format": "%(message)s"},  # the security log is already one JSON object
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "line",
            "filters": ["request_id"],
        },
        "security": {"class": "logging.StreamHandler", "formatter": "json"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Sign-ins, lock-outs, refusals: one JSON line each (qc_portal/security.py).
        "qc_portal.security": {"handlers": ["security"], "level": "INFO", "propagate": False},
        # Our own security log replaces axes' wordy lines.
        "axes": {"level": "ERROR"},
        # Each denied request is one security event; Django's "Forbidden" line would repeat it.
        "django.security.csrf": {"level": "WARNING"},
    },
}
