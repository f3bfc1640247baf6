from django.urls import path

from province.org import views

app_name = "org"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("units/new/", views.unit_form, name="unit-create"),
    path("units/<int:pk>/edit/", views.unit_form, name="unit-edit"),
    path("staff/", views.staff_list, name="staff-list"),
    path("staff/new/", views.staff_form, name="staff-create"),
    path("staff/<int:pk>/edit/", views.staff_form, name="staff-edit"),
]
