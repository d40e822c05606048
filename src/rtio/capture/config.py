"""Django settings built at run time from a database URL.

``sqlite:///rtio-capture.sqlite3`` (relative to the working directory), ``sqlite:////abs/path``
and ``postgresql://user:password@host:port/name`` are understood. SQLite runs in WAL mode with
``synchronous=FULL`` and IMMEDIATE transactions, so concurrent writers queue instead of failing
and an acknowledged write survives a killed server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

DEFAULT_DATABASE = "sqlite:///rtio-capture.sqlite3"


class DatabaseUrlError(ValueError):
    """A ``--database`` URL that rtio cannot use; the message says which part is wrong."""


def database_settings(url: str) -> dict[str, Any]:
    """Django ``DATABASES['default']`` for a database URL."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        raw = unquote(url[len("sqlite://") :])
        if not raw.startswith("/") or raw == "/":
            raise DatabaseUrlError(
                f"--database {url!r}: a SQLite URL is sqlite:///relative/path or sqlite:////abs/path"
            )
        path = Path(raw[1:])  # sqlite:///rel -> "rel"; sqlite:////abs -> "/abs"
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(path.resolve()),
            "OPTIONS": {
                "timeout": 60,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
            },
        }
    if scheme in ("postgresql", "postgres"):
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise DatabaseUrlError(f"--database {url!r}: name the database after the last '/'")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 0,
        }
    raise DatabaseUrlError(
        f"--database {url!r}: use sqlite:///FILE or postgresql://USER:PASSWORD@HOST:PORT/NAME"
    )


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL (None for a server database)."""
    db = database_settings(url)
    return Path(db["NAME"]) if db["ENGINE"].endswith("sqlite3") else None


def build_settings(url: str, *, debug: bool = False) -> dict[str, Any]:
    """Every Django setting the service needs (no settings module on disk)."""
    return {
        "DEBUG": debug,
        "SECRET_KEY": "replaced-at-start-by-the-key-stored-in-the-database",
        "ALLOWED_HOSTS": ["*"],
        "INSTALLED_APPS": [
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
            "rtio.capture.apps.CaptureConfig",
        ],
        "MIDDLEWARE": [
            "django.middleware.security.SecurityMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
        ],
        "ROOT_URLCONF": "rtio.capture.urls",
        "TEMPLATES": [
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "DIRS": [],
                "APP_DIRS": True,
                "OPTIONS": {
                    "context_processors": [
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                        "django.contrib.messages.context_processors.messages",
                    ]
                },
            }
        ],
        "DATABASES": {"default": database_settings(url)},
        "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
        "USE_TZ": True,
        "TIME_ZONE": "UTC",
        "LOGIN_URL": "/login/",
        "LOGIN_REDIRECT_URL": "/",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": True,
        "SESSION_COOKIE_AGE": 8 * 3600,
        "CSRF_COOKIE_SAMESITE": "Strict",
        "X_FRAME_OPTIONS": "DENY",
        "PASSWORD_HASHERS": [
            "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        ],
        "AUTH_PASSWORD_VALIDATORS": [
            {
                "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
                "OPTIONS": {"min_length": 8},
            },
        ],
        "LOGGING": {
            "version": 1,
            "disable_existing_loggers": False,
            "handlers": {"console": {"class": "logging.StreamHandler"}},
            "loggers": {
                "django": {"handlers": ["console"], "level": "WARNING"},
                "waitress.queue": {"handlers": ["console"], "level": "ERROR"},
            },
        },
    }


def configure(url: str = DEFAULT_DATABASE, *, debug: bool = False, migrate: bool = False) -> None:
    """Configure Django for ``url`` (once per process) and, with ``migrate``, create or upgrade the
    database schema."""
    import django
    from django.conf import settings

    if settings.configured:
        current = settings.DATABASES["default"]
        wanted = database_settings(url)
        if (current["ENGINE"], current["NAME"]) != (wanted["ENGINE"], wanted["NAME"]):
            raise RuntimeError(
                f"the capture service is already configured for {current['NAME']!r} in this process"
            )
    else:
        settings.configure(**build_settings(url, debug=debug))
        django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
