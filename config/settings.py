"""One environment-driven settings module.

Without any environment variable the platform runs embedded: SQLite, in-process tasks, console
e-mail. Production is the same code with DATABASE_URL, REDIS_URL and DJANGO_DEBUG=false; it
refuses to start with the default secret key. docs/operations.md lists every variable.
"""

import os
import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from config.database import database_behind_pooler, database_with_prepared_statements
from config.storage import default_storage_settings

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEFAULT_SECRET_KEY = "embedded-default-insecure-key-change-me"  # noqa: S105
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=DEFAULT_SECRET_KEY)
# The embedded default (SQLite, tasks in-process, demo data) unless DJANGO_DEBUG=false says
# production. Django's own debug pages (tracebacks, URL lists) only when DJANGO_DEBUG_PAGES=true
# asks for them: the embedded default shows the product's 404, 403 and 500 pages, as production.
EMBEDDED = env.bool("DJANGO_DEBUG", default=True)
DEBUG = EMBEDDED and env.bool("DJANGO_DEBUG_PAGES", default=False)
if not EMBEDDED and SECRET_KEY == DEFAULT_SECRET_KEY:
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY: production mode refuses the default key.")

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "axes",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts",
    "footprint",
    "certification",
    "audits",
    "labels",
    "oversight",
    "pact",
]

MIDDLEWARE = [
    # The security headers first: every answer carries them, the refusals below included.
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before anything reads the path or the query: PostgreSQL cannot compare text holding NUL.
    "config.middleware.nul_refusal",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Staff without a second factor reach only the enrolment pages (accounts/second_factor.py).
    "accounts.second_factor.SecondFactorRequiredMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.portal",
            ],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Keep connections between requests: opening one costs more than a label lookup itself.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# "pgbouncer": PostgreSQL is reached through PgBouncer in transaction mode (config/database.py).
DATABASE_POOLER = env.str("DATABASE_POOLER", default="")
DATABASES["default"] = database_behind_pooler(DATABASES["default"], DATABASE_POOLER)
if not DATABASE_POOLER:
    # The few statements every label read runs are planned once per connection (config/sql.py).
    DATABASES["default"] = database_with_prepared_statements(DATABASES["default"])
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory, so that a Celery worker process can share the test database; one
    # per process, so that test runs side by side never share a file.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"carbonlabel-test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
# The cache may live in its own Redis (with an eviction policy), apart from the Celery broker.
CACHE_REDIS_URL = env.str("CACHE_REDIS_URL", default=REDIS_URL)
if CACHE_REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": CACHE_REDIS_URL,
            # A Redis that stops answering must not hold requests: the callers fall back.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "certification:queue"
LOGOUT_REDIRECT_URL = "home"

# Sign-in through django-allauth: password, then the second factor (allauth.mfa). Our own
# registration and invitations create accounts; allauth's sign-up, e-mail management and password
# reset are not mounted (accounts/urls.py). docs/operations.md, "Multi-factor authentication".
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_REDIRECT_URL = LOGOUT_REDIRECT_URL
ACCOUNT_REAUTHENTICATION_METHODS = ["password", "mfa"]
MFA_ADAPTER = "accounts.adapters.MfaAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
# A passkey stands in for the second factor only: the password is always asked first.
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_PASSKEY_SIGNUP_ENABLED = False
# Our users' e-mail addresses are checked by invitation, not by allauth's e-mail records.
MFA_ALLOW_UNVERIFIED_EMAIL = True
MFA_TOTP_PERIOD = 30
# A code of the period before or after the current one is accepted too (a phone's clock drifts).
MFA_TOTP_TOLERANCE = 1
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Carbon label platform")
# WebAuthn needs HTTPS, except on localhost in the embedded default.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = EMBEDDED
# Deciding, issuing, suspending, reinstating, revoking, cancelling, sanctioning and signing-key
# operations ask again for the second factor when the last one is older than this.
MFA_STEP_UP_SECONDS = env.int("MFA_STEP_UP_SECONDS", default=15 * 60)

# Brute-force protection: lock a username+address pair after repeated failures (answers 429).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The client's address behind API_NUM_PROXIES proxies, not the last proxy's.
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_address"
AXES_HTTP_RESPONSE_CODE = 429
# The lockout page says how long the lock lasts.
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# The embedded default serves static files from the apps' folders, as they change, without
# collectstatic (WhiteNoise; production serves the collected, compressed files).
WHITENOISE_USE_FINDERS = EMBEDDED
WHITENOISE_AUTOREFRESH = EMBEDDED
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# No URL serves MEDIA_ROOT: every stored file is private and goes out through a view that
# checks who asks (or, for a certificate PDF, that its label is public).
MEDIA_URL = "/media/"
# Evidence, attachments and certificate PDFs: files under MEDIA_ROOT, or the S3-compatible
# object store STORAGE_URL names (config/storage.py). A bad URL stops the start here. It is not
# kept as a setting of its own: it may carry a secret key.
STORAGES = {
    "default": default_storage_settings(env.str("STORAGE_URL", default="")),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=EMAIL_CONFIG.get("EMAIL_FILE_PATH") or "")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@carbonlabel.example")

# Security headers. HSTS and secure cookies switch on outside the embedded default.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not EMBEDDED and env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0 if EMBEDDED else 31536000)
# Every host under the platform's domain is served over HTTPS only, and the domain may be put on
# the browsers' preload list: production defaults, each switchable.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=not EMBEDDED)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=not EMBEDDED)
# Plain HTTP is redirected to HTTPS in production, except the health checks a load balancer or
# the compose stack makes from inside the network.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SSL_REDIRECT", default=not EMBEDDED)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# How many proxies stand in front (Caddy in docker/compose.yaml). Only then is X-Forwarded-Proto
# the proxy's word that the caller came over HTTPS; without one, any caller could write it.
API_NUM_PROXIES = env.int("API_NUM_PROXIES", default=None)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if API_NUM_PROXIES else None
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Header-based first, so that an anonymous call answers 401 with WWW-Authenticate.
        "accounts.apikeys.ApiKeyAuthentication",
        "accounts.authentication.SecondFactorTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["config.permissions.IsPerson"],
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "config.schema.ProblemAutoSchema",
    "EXCEPTION_HANDLER": "config.api.problem_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "config.throttles.AnonymousThrottle",
        "config.throttles.PersonThrottle",
        "config.throttles.ApiKeyThrottle",
    ],
    # Anonymous callers are counted by address: behind N proxies the client is the N-th address
    # from the right of X-Forwarded-For. Unset, DRF takes the whole header, which callers write.
    "NUM_PROXIES": API_NUM_PROXIES,
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_RATE_ANON", default="60/minute"),
        "user": env.str("API_RATE_USER", default="2000/minute"),
        "api_key": env.str("API_RATE_KEY", default="6000/minute"),
        "labels_anon": env.str("API_RATE_LABELS_ANON", default="30/minute"),
        "complaints": env.str("API_RATE_COMPLAINTS", default="10/hour"),
        "registrations": env.str("API_RATE_REGISTRATIONS", default="10/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Carbon label certification API",
    "DESCRIPTION": "Applications, dossiers, evidence, findings and workflow transitions. "
    "Errors are RFC 9457 problem details.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The interactive docs load Swagger UI from our own static files: no CDN, works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ApplicationStatusEnum": "certification.models.Status",
        "SchemeEnum": "accounts.models.Scheme",
        "BodyStatusEnum": "accounts.models.BodyStatus",
    },
}

# Celery: eager in-process tasks unless a broker is configured.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_IMPORTS = ["config.http_cache"]  # the one task outside the apps' tasks modules
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task a worker took but never acknowledged (the whole worker was killed, its machine lost)
# goes back to the queue after this many seconds, and another worker runs it. It must exceed the
# longest task and the longest countdown a task waits for in a worker (docs/operations.md).
BROKER_VISIBILITY_TIMEOUT = env.int("BROKER_VISIBILITY_TIMEOUT", default=600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
    # Every worker looks for such tasks this often (kombu's default looks every 100 s).
    "unacked_restore_interval": max(1, min(10, BROKER_VISIBILITY_TIMEOUT // 5)),
    "unacked_restore_throttle": 1,
    # The lock of that look, should a worker die holding it (kombu's default holds it 300 s).
    "unacked_mutex_expire": max(1, min(300, BROKER_VISIBILITY_TIMEOUT // 2)),
    # A broker that drops packets must not hold a request that queues a task after commit.
    "socket_connect_timeout": 2,
}
CELERY_TIMEZONE = TIME_ZONE
# Django's database scheduler, which also sends again a run the broker refused (config/beat.py).
CELERY_BEAT_SCHEDULER = "config.beat:CatchingUpScheduler"
# A sweep leaves work this long to the task queued for it at commit before doing it itself.
TASK_SWEEP_GRACE_SECONDS = env.int("TASK_SWEEP_GRACE_SECONDS", default=120)
CELERY_BEAT_SCHEDULE = {
    "notifications-sweep": {
        "task": "certification.tasks.notification_emails_sweep",
        "schedule": 300.0,
    },
    "labels-expire": {"task": "labels.tasks.labels_expire", "schedule": 600.0},
    "complaint-outcome-emails-sweep": {
        "task": "oversight.complaints.tasks.complaint_outcome_emails_sweep",
        "schedule": 300.0,
    },
    "registrations-expired-delete": {
        "task": "accounts.tasks.expired_registrations_delete",
        "schedule": 3600.0,
    },
    # Idempotent: runs hourly so a missed run (an outage) is caught up within the hour.
    "supervision-sweep": {"task": "audits.tasks.supervision_sweep", "schedule": 3600.0},
    # The audit chain's head into the transparency log: a rewritten chain no longer matches it.
    "audit-chain-anchor": {"task": "audits.tasks.audit_chain_anchor", "schedule": 3600.0},
    "certificate-documents-refresh": {
        "task": "labels.tasks.certificate_documents_refresh",
        "schedule": 300.0,
    },
    "labels-issue-pending": {"task": "labels.tasks.labels_issue_pending", "schedule": 120.0},
    # Stored label answers left stale by a key change or a lost render task.
    "label-answers-refresh": {"task": "labels.answers.refresh", "schedule": 60.0},
    "status-lists-refresh": {"task": "labels.tasks.status_lists_refresh", "schedule": 3600.0},
    # Webhook retries, and deliveries whose on-commit task never reached the broker.
    "webhooks-deliveries-due": {
        "task": "labels.webhooks.tasks.webhook_deliveries_due",
        "schedule": 30.0,
    },
}

# Domain settings.
# Published reference data shipped with the code (categories, emission factors, GWP sets).
REFERENCE_DIR = Path(
    env.str("REFERENCE_DIR", default=str(BASE_DIR / "certification" / "reference"))
)
# The published test vectors and specifications the test suite checks against.
SHARED_DIR = Path(env.str("SHARED_DIR", default=str(BASE_DIR.parent / "shared")))
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
# Small files stay in memory; a larger one goes to a temporary file of at most
# UPLOAD_MAX_BYTES (config/uploads.py), however large the upload.
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "config.uploads.CappedTemporaryFileUploadHandler",
]
CERTIFICATE_VALIDITY_DAYS = env.int("CERTIFICATE_VALIDITY_DAYS", default=730)
# The life of a certificate after issuance (ISO/IEC 17065 7.9-7.11, CNCA certificate and mark
# rules, CNCA-CFP-00:2025). Each is recorded on a certificate when it is issued, so a later change
# of a setting never moves an issued certificate's dates. See docs/supervision.md.
SURVEILLANCE_INTERVAL_MONTHS = env.int("SURVEILLANCE_INTERVAL_MONTHS", default=12)
SURVEILLANCE_GRACE_DAYS = env.int("SURVEILLANCE_GRACE_DAYS", default=30)
SUSPENSION_DECISION_DAYS = env.int("SUSPENSION_DECISION_DAYS", default=5)
SUSPENSION_MAX_DAYS = env.int("SUSPENSION_MAX_DAYS", default=180)
RENEWAL_WINDOW_DAYS = env.int("RENEWAL_WINDOW_DAYS", default=90)
SURVEILLANCE_FINDING_DAYS = env.int("SURVEILLANCE_FINDING_DAYS", default=30)
SUPERVISION_NOTICE_DAYS = tuple(
    sorted(
        (int(day) for day in env.list("SUPERVISION_NOTICE_DAYS", default=["30", "7"])), reverse=True
    )
)
CERTIFICATE_NUMBER_FORMAT = env.str(
    "CERTIFICATE_NUMBER_FORMAT", default="CFP-{body_code}-{year}-{sequence:05d}"
)
MATERIALITY_THRESHOLD = Decimal(env.str("MATERIALITY_THRESHOLD", default="0.05"))
INVENTORY_IMPORT_MAX_BYTES = env.int("INVENTORY_IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
FOOTPRINT_MONTE_CARLO_DRAWS = env.int("FOOTPRINT_MONTE_CARLO_DRAWS", default=10_000)
LABEL_PUBLIC_HOST = env.str("LABEL_PUBLIC_HOST", default="127.0.0.1:8000")
# The QR codes and credential URLs use https in production; the embedded demo serves plain http.
LABEL_PUBLIC_SCHEME = env.str("LABEL_PUBLIC_SCHEME", default="http" if EMBEDDED else "https")
# Fernet key(s) encrypting the bodies' private signing keys; comma-separated to rotate.
LABEL_MASTER_KEY = env.str("LABEL_MASTER_KEY", default="")
if not EMBEDDED and not LABEL_MASTER_KEY:
    raise ImproperlyConfigured("Set LABEL_MASTER_KEY: production mode refuses derived keys.")
# The transparency log's own Ed25519 key (CONTRACTS §5): base64 of the 32-byte private key seed.
# Separate from the bodies' keys; the embedded default derives one from the secret key.
TRANSPARENCY_LOG_KEY = env.str("TRANSPARENCY_LOG_KEY", default="")
if not EMBEDDED and not TRANSPARENCY_LOG_KEY:
    raise ImproperlyConfigured("Set TRANSPARENCY_LOG_KEY: production mode refuses a derived key.")
# Seconds /log/checkpoint may be cached.
TRANSPARENCY_CHECKPOINT_MAX_AGE = env.int("TRANSPARENCY_CHECKPOINT_MAX_AGE", default=5)
# The log witness (manage.py log_witness, docs/transparency.md): its private key, either
# PRIVATE+KEY+<name>+<id>+<base64> or the base64 of a 32-byte seed with LOG_WITNESS_NAME, and the
# directory of its state files (one per log origin).
LOG_WITNESS_KEY = env.str("LOG_WITNESS_KEY", default="")
LOG_WITNESS_NAME = env.str("LOG_WITNESS_NAME", default="")
LOG_WITNESS_STATE_DIR = Path(
    env.str("LOG_WITNESS_STATE_DIR", default=str(BASE_DIR / "var" / "log-witness"))
)
# The VC-API test issuer for the W3C conformance suites (CONTRACTS §8, docs/conformance.md):
# POST /vc-api/credentials/issue and /status. Never in production mode.
VC_API_TEST_ISSUER = env.bool("VC_API_TEST_ISSUER", default=False)
if not EMBEDDED and VC_API_TEST_ISSUER:
    raise ImproperlyConfigured("VC_API_TEST_ISSUER=true is refused in production mode.")
# WBCSD PACT host (CONTRACTS §7): base path of /auth/token, /2/… and /3/….
PACT_BASE_PATH = env.str("PACT_BASE_PATH", default="/pact")
# PACT is served over HTTPS only (CONTRACTS §7); plain HTTP only for local experiments.
PACT_ALLOW_HTTP = env.bool("PACT_ALLOW_HTTP", default=False)
PACT_TOKEN_SECONDS = env.int("PACT_TOKEN_SECONDS", default=3600)
# How long a status list may be cached (its ttl and Cache-Control max-age).
STATUS_LIST_TTL_SECONDS = env.int("STATUS_LIST_TTL_SECONDS", default=1)
# Webhook receivers must be https on public addresses, except in the embedded default.
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=EMBEDDED)
# How long a marketplace may cache a status badge (a status change must show within 1 s).
BADGE_CACHE_SECONDS = env.int("BADGE_CACHE_SECONDS", default=1)
# The HTTP cache in front of the platform (config/http_cache.py, labels/proxy.py,
# docker/varnish/default.vcl): the address it takes bans at (empty: no such cache, nothing is
# tagged), how long it may keep a label read, and how long a ban may take before it is retried.
LABEL_PROXY_URL = env.str("LABEL_PROXY_URL", default="")
LABEL_PROXY_SECONDS = env.int("LABEL_PROXY_SECONDS", default=30)
LABEL_PROXY_TIMEOUT = env.float("LABEL_PROXY_TIMEOUT", default=2.0)
# The same ban again this much later, for a read under way when the change committed.
LABEL_PROXY_BAN_AGAIN_SECONDS = env.int("LABEL_PROXY_BAN_AGAIN_SECONDS", default=5)
# The per-process memory of API keys rests on a version token in a cache every process shares:
# on by default only with Redis (processes on their own memory caches would not see a revocation).
API_KEY_MEMORY_SECONDS = env.int("API_KEY_MEMORY_SECONDS", default=60 if CACHE_REDIS_URL else 0)
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
# An enterprise's registration is confirmed by a link e-mailed to the address given, good this
# long; unconfirmed, the account cannot sign in, and it is deleted when the link runs out.
REGISTRATION_HOURS = env.int("REGISTRATION_HOURS", default=72)
# Complaints and appeals (ISO/IEC 17065 7.13; common practice of the scheme's bodies).
COMPLAINT_ACKNOWLEDGE_WORKING_DAYS = env.int("COMPLAINT_ACKNOWLEDGE_WORKING_DAYS", default=5)
COMPLAINT_DECISION_DAYS = env.int("COMPLAINT_DECISION_DAYS", default=30)
APPEAL_WINDOW_DAYS = env.int("APPEAL_WINDOW_DAYS", default=30)
# Days the party holding an application has for its step, shown as a due date on the portal
# (overdue marked): the body to accept a submission, the enterprise to answer findings, the
# body to decide once the file reaches the decision.
DUE_DAYS_ACCEPTANCE = env.int("DUE_DAYS_ACCEPTANCE", default=10)
DUE_DAYS_FINDING_ANSWER = env.int("DUE_DAYS_FINDING_ANSWER", default=30)
DUE_DAYS_DECISION = env.int("DUE_DAYS_DECISION", default=20)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
