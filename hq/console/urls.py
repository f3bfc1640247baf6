from django.urls import path

from hq.console import views

app_name = "console"

urlpatterns = [
    path("", views.console, name="console"),
    path("<slug:province>/", views.province, name="province"),
    path("<slug:province>/resync/", views.resync_progress, name="resync-progress"),
    path("<slug:province>/resync/start/", views.resync, name="resync"),
    path("<slug:province>/retry/", views.retry, name="retry"),
    path("<slug:province>/relay/", views.relay, name="relay"),
    path(
        "<slug:province>/messages/<slug:side>/<uuid:message_id>/retry/",
        views.retry_one,
        name="retry-message",
    ),
    path(
        "<slug:province>/messages/<slug:side>/<uuid:message_id>/skip/",
        views.skip_one,
        name="skip-message",
    ),
]
