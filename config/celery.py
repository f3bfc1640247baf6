"""The Celery app, tenant-aware through tenant-schemas-celery.

A task queued while a tenant's schema is active runs in that schema on the worker, so
province code never passes schema names around by hand.
"""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = CeleryApp("kacrm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
