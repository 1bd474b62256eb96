from django.urls import path

from cases.rectification import views

app_name = "rectification"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("bulk/", views.case_bulk, name="bulk"),
    path("open/", views.case_open, name="open"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/do/<slug:action>/", views.case_action, name="action"),
    path("<int:pk>/plan/", views.case_plan, name="plan"),
    path("<int:pk>/commitments/", views.commitment_add, name="commitment_add"),
    path("<int:pk>/care/", views.case_care, name="care"),
    path("<int:pk>/talks/new/", views.talk_create, name="talk_create"),
    path("commitments/<int:pk>/done/", views.commitment_done, name="commitment_done"),
    path("talks/<int:pk>/", views.talk_detail, name="talk_detail"),
    path("talks/<int:pk>/sign/", views.talk_sign, name="talk_sign"),
    path("my-talks/", views.my_talks, name="my_talks"),
    path("mine/", views.own_list, name="own_list"),
    path("mine/<int:pk>/", views.own_detail, name="own_detail"),
    path("mine/talks/<int:pk>/", views.talk_acknowledge, name="acknowledge"),
]
