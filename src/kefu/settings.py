"""Django settings. Everything a site changes comes from KEFU_* variables (kefu.config)."""

from __future__ import annotations

from pathlib import Path

from kefu import config

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = config.data_dir()

SECRET_KEY = config.secret_key(DATA_DIR)
DEBUG = config.flag("KEFU_DEBUG")
ALLOWED_HOSTS = config.allowed_hosts()
CSRF_TRUSTED_ORIGINS = [
    origin
    for h in ALLOWED_HOSTS
    if h not in {"testserver"}
    for origin in (f"http://{h}", f"https://{h}")
]

INSTALLED_APPS = [
    "kefu.core.adminsite.KefuAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "huey.contrib.djhuey",
    "kefu.core",
    "kefu.customers",
    "kefu.orders",
    "kefu.tickets",
    "kefu.complaints",
    "kefu.aftersales",
    "kefu.followups",
    "kefu.reviews",
    "kefu.retention",
    "kefu.reports",
    "kefu.web",
]

MIDDLEWARE = [
    "kefu.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kefu.core.middleware.UserLocaleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "kefu.core.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "kefu.urls"
WSGI_APPLICATION = "kefu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kefu.web.context.navigation",
            ],
        },
    }
]

DATABASES = {"default": config.database(DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "web:login"

REDIS_URL = config.redis_url()

# Sessions, cache and locks live in the database or Redis, never in one process, so any
# number of `kefu serve` processes can share the work.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "kefu",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "kefu_cache",
        }
    }

# Jobs: SqliteHuey in the data dir by default, RedisHuey when KEFU_REDIS_URL is set.
# Durable work is also recorded in the database (kefu.core.jobs) so a crashed worker
# loses nothing: the tick re-dispatches whatever was claimed and never finished.
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": config._env("KEFU_HUEY_NAME") or "kefu",
        "url": REDIS_URL,
        "immediate": False,
        "utc": True,
        "consumer": {"workers": 2, "worker_type": "thread", "check_worker_health": True},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "kefu",
        "filename": str(DATA_DIR / "jobs.sqlite3"),
        "immediate": False,
        "utc": True,
        "consumer": {"workers": 2, "worker_type": "thread", "check_worker_health": True},
    }
if config.flag("KEFU_JOBS_IMMEDIATE"):
    HUEY["immediate"] = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文"), ("ko", "한국어")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "kefu_language"
USE_I18N = True
USE_TZ = True
TIME_ZONE = config.time_zone()

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": config.storage(),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = config.flag("KEFU_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "kefu": {"level": "INFO"},
        "huey": {"level": "WARNING"},
    },
}

# ---- kefu rules with numbers (defaults from the seeds; admins override per shop) ----
KEFU = {
    # How long an Idempotency-Key is remembered.
    "IDEMPOTENCY_TTL_HOURS": config.integer("KEFU_IDEMPOTENCY_TTL_HOURS", 24, minimum=1),
    # A durable job claimed this long ago and not finished is taken to be lost.
    "JOB_LEASE_SECONDS": config.integer("KEFU_JOB_LEASE_SECONDS", 300, minimum=5),
    "JOB_MAX_ATTEMPTS": config.integer("KEFU_JOB_MAX_ATTEMPTS", 5, minimum=1),
    # The tick runs every minute; a sweep with a longer period runs once per its slot.
    "TICK_MINUTES": 1,
    "API_PAGE_SIZE": 50,
    "API_MAX_PAGE_SIZE": 200,
    # How often a process checks whether policies, SLA policies, teams or categories
    # changed in another process (kefu.core.refcache).
    "REFCACHE_CHECK_SECONDS": 1.0,
}
