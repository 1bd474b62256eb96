from django.urls import path

from project.documents import views

app_name = "documents"
urlpatterns = [
    path("documents/<int:pk>/download/", views.document_download, name="download"),
    path("documents/<int:pk>/status/", views.document_status, name="status"),
    path("verify/", views.verify_lookup, name="verify_lookup"),
    path("verify/<str:code>/", views.verify, name="verify"),
]
