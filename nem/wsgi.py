import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nem.settings.base")
application = get_wsgi_application()

# gunicorn does not run Django's system checks: refuse to serve with invalid settings.
from nem.checks import raise_on_errors  # noqa: E402

raise_on_errors()
