"""WSGI entry point used by `buoy serve` (gunicorn) and any other WSGI server."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from buoy.config.environment import prepare_data_folder

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buoy.config.settings")
application = get_wsgi_application()
# Importing settings makes no folder: the data folder and secret key are made at start instead.
prepare_data_folder(settings.BUOY_HOME)
