from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        # The decision letter's document kind, and the matter tasks (Celery's autodiscovery looks only
        # at `cases.tasks`, not at sub-packages).
        from cases.matters import documents, tasks  # noqa: F401

        documents.register()
        # The talk record's document kind, and the rectification tasks (the period-ended beat task).
        from cases.rectification import documents as rectification_documents
        from cases.rectification import tasks as rectification_tasks  # noqa: F401

        rectification_documents.register()
        # The labels of the audit events the case services write (project.audit cannot import cases).
        from cases.matters import audit_labels as matter_audit_labels
        from cases.rectification import audit_labels as rectification_audit_labels

        matter_audit_labels.register()
        rectification_audit_labels.register()
        # A published round's candidates become nominated cases (evaluations cannot import cases).
        from cases.rectification.nomination import on_results_published
        from evaluations.signals import results_published

        results_published.connect(on_results_published, dispatch_uid="cases.nominate_published_candidates")
