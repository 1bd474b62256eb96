from django.urls import path, register_converter

from evaluations import views


class TokenConverter:
    """A ballot token: URL-safe base64 (secrets.token_urlsafe(16) gives 22 characters)."""

    regex = "[A-Za-z0-9_-]{16,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TokenConverter, "ballot_token")

app_name = "evaluations"
urlpatterns = [
    path("", views.round_list, name="round_list"),
    path("new/", views.round_create, name="round_create"),
    path("<int:pk>/", views.round_detail, name="round_detail"),
    path("<int:pk>/open/", views.round_open, name="round_open"),
    path("<int:pk>/close/", views.round_close, name="round_close"),
    path("<int:pk>/publish/", views.round_publish, name="round_publish"),
    path("<int:pk>/units/<int:unit_pk>/reissue/", views.tokens_reissue, name="tokens_reissue"),
    path("mine/", views.my_evaluations, name="my_evaluations"),
    path("ratings/<int:pk>/", views.rating_fill, name="rating_fill"),
    path("ballot/thanks/", views.ballot_thanks, name="ballot_thanks"),
    path("ballot/<ballot_token:token>/", views.ballot, name="ballot"),
    path("<int:pk>/results/", views.results_overview, name="results"),
    path("<int:pk>/results/identify/", views.results_identify, name="results_identify"),
    path("<int:pk>/results/progress/", views.results_progress, name="results_progress"),
    path("<int:pk>/results/cadres/", views.result_list, name="result_list"),
    path("<int:pk>/results/cadres/<int:cadre_pk>/", views.result_card, name="result_card"),
    path("<int:pk>/results/cadres/<int:cadre_pk>/pdf/", views.result_card_pdf, name="result_card_pdf"),
    path("<int:pk>/results/cadres/<int:cadre_pk>/comments/", views.result_comments, name="result_comments"),
    path("<int:pk>/results/export.xlsx", views.results_export, name="results_export"),
]
