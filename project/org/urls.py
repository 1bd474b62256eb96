from django.urls import path

from project.org import imports_views, views

app_name = "org"
urlpatterns = [
    path("cadres/", views.cadre_list, name="cadre_list"),
    path("roster/import/", imports_views.roster_import, name="roster_import"),
]
