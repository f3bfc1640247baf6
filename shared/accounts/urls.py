from django.contrib.auth import views as auth_views
from django.urls import path

from shared.accounts import views

app_name = "accounts"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("views/", views.save_view_view, name="save-view"),
    path("views/<int:pk>/delete/", views.delete_view_view, name="delete-view"),
]
