from django.urls import path

from cases.matters import views

app_name = "matters"
urlpatterns = [
    path("", views.matter_list, name="list"),
    path("new/", views.matter_receive, name="receive"),
    path("<int:pk>/", views.matter_detail, name="detail"),
    path("<int:pk>/checklist/", views.matter_checklist, name="checklist"),
    path("<int:pk>/checklist/recommendation/", views.checklist_recommendation, name="checklist_recommendation"),
    path("<int:pk>/decision/", views.matter_decision, name="decision"),
    path("<int:pk>/do/<slug:action>/", views.matter_action, name="action"),
    path("evidence/<int:pk>/", views.attachment_download, name="attachment"),
    path("mine/", views.own_list, name="own_list"),
    path("mine/<int:pk>/", views.own_detail, name="own_detail"),
    path("mine/<int:pk>/apply/", views.own_apply, name="own_apply"),
    path("mine/<int:pk>/appeal/", views.own_appeal, name="own_appeal"),
    path("preregistrations/", views.prereg_list, name="prereg_list"),
    path("preregistrations/new/", views.prereg_create, name="prereg_create"),
]
