"""Signals other apps listen to; evaluations itself imports no app above it (see the layers contract)."""

from django.dispatch import Signal

# Sent inside `round_publish`'s transaction with `round=` the published EvaluationRound: a receiver that
# raises rolls the publication back, so published results and what is built from them never disagree.
results_published = Signal()
