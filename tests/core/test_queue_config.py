import os

from django.conf import settings
from huey import RedisHuey, SqliteHuey
from huey.contrib.djhuey import HUEY


def test_job_queue_is_redis_when_configured_else_sqlite_in_the_data_dir():
    if os.environ.get("KEFU_REDIS_URL"):
        assert isinstance(HUEY, RedisHuey)
        assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    else:
        assert isinstance(HUEY, SqliteHuey)
        assert settings.HUEY["filename"].startswith(str(settings.DATA_DIR))
        assert settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache")


def test_sessions_live_in_the_database_not_in_a_process():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
