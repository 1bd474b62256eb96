from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = _("Evaluations")

    def ready(self) -> None:
        # The result card's document kind (project.documents knows no app: each registers its own kinds).
        from evaluations import documents

        documents.register()
        # The labels of the audit events the evaluation services write.
        from evaluations import audit_labels

        audit_labels.register()
