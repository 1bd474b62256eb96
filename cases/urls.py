from django.urls import include, path

app_name = "cases"
urlpatterns = [
    path("matters/", include("cases.matters.urls")),
    path("rectification/", include("cases.rectification.urls")),
]
