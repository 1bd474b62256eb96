from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from project import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("org/", include("project.org.urls")),
    path("audit/", include("project.audit.urls")),
    path("cases/", include("cases.urls")),
    path("evaluations/", include("evaluations.urls")),
    path("", include("project.documents.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "project.views.permission_denied"
handler404 = "project.views.page_not_found"
