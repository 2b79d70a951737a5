"""The fault suite's stack: the test settings (DATABASE_URL and REDIS_URL point at the suite's own servers), but
with production's PostgreSQL pool, whose timeout is what an outage of the database meets first, and e-mail written
to files in FAULTS_MAIL_DIR, where the suite counts each notice's e-mails by their Message-ID."""

import os

from config.settings.base import DATABASE_POOL
from config.settings.test import *  # noqa: F403
from config.settings.test import DATABASES

DATABASES["default"]["OPTIONS"]["pool"] = dict(DATABASE_POOL)

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["FAULTS_MAIL_DIR"]
