from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from cases.matters import api as matters_api
from cases.rectification import api as rectification_api
from evaluations import api as evaluations_api
from project import views
from project.api.urls import v1_router
from project.org import api as org_api

api_v1 = v1_router(org_api.ROUTES, evaluations_api.ROUTES, rectification_api.ROUTES, matters_api.ROUTES)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/2fa/", include("project.twofactor.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("org/", include("project.org.urls")),
    path("audit/", include("project.audit.urls")),
    path("cases/", include("cases.urls")),
    path("evaluations/", include("evaluations.urls")),
    path("", include("project.documents.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1.urls)),
    path("api/", include("project.api.urls")),
]

handler403 = "project.views.permission_denied"
handler404 = "project.views.page_not_found"
