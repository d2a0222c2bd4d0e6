"""The test project's URLs: django-helpdesk under /helpdesk/, the admin, a login page."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("helpdesk/", include("helpdesk.urls", namespace="helpdesk")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("admin/", admin.site.urls),
]
