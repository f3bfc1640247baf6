from django.urls import path

from province.standards import views

app_name = "standards"

urlpatterns = [path("", views.in_force, name="in-force")]
