"""What every app's REST API (`<app>/api.py`) shares: error mapping, pagination, the viewset base,
the token command, and the schema/docs URLs. Imports no app (the import-linter layers)."""
