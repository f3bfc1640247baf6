from django.urls import path

from hq.standards import views

app_name = "standards"

urlpatterns = [
    path("", views.matrix, name="matrix"),
    path("<str:kind>/", views.kind_detail, name="kind"),
    path("<str:kind>/publish/", views.publish, name="publish"),
    path("<str:kind>/<int:version>/resend/", views.resend, name="resend"),
]
