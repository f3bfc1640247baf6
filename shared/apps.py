from django.apps import AppConfig


class SharedConfig(AppConfig):
    """Holds templates, static files and template tags; no models."""

    name = "shared"
    verbose_name = "Shared"
