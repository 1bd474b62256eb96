"""Two indexes for the case list (docs/BENCHMARKS.md, "Cases"):

- the default order (newest first): a page is read from the index instead of sorting every visible case;
- open commitments by deadline (partial): "overdue" (`overdue_q`) looks for open commitments past their deadline,
  and PostgreSQL evaluates that as one hashed subplan over all of them, which was a scan of every commitment.

Raw SQL on purpose: the models' Meta is not changed, so the autodetector sees nothing. Both SQLite and
PostgreSQL accept DESC and partial indexes."""

from django.db import migrations

NEWEST = "rectification_newest_idx"
OPEN_DUE = "rectification_commit_open_due_idx"


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_visits_circulars")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX {NEWEST} ON cases_rectificationcase (created_at DESC, id DESC)",
            reverse_sql=f"DROP INDEX {NEWEST}",
        ),
        migrations.RunSQL(
            f"CREATE INDEX {OPEN_DUE} ON cases_commitment (deadline, case_id) WHERE status = 'open'",
            reverse_sql=f"DROP INDEX {OPEN_DUE}",
        ),
    ]
