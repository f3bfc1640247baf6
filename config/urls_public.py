"""URLconf of the public host (the bare base domain): a directory of the tenants."""

from django.urls import path

from tenants.views import directory

urlpatterns = [path("", directory, name="directory")]
