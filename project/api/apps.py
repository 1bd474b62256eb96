from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """Installed only for its management command (`api_token`); it has no models."""

    name = "project.api"
    label = "project_api"
    verbose_name = _("REST API")
