# Sourced by scripts/prod-smoke.sh and scripts/bench-load.sh: the environment of docs/DEPLOY.md's production
# setup on this machine. Usage: production_env VAR_DIR DATABASE_NAME (PG_USER, PG_HOST, PG_PORT, BIN set).
# Differences from a real deployment, on purpose: no TLS proxy on loopback, so DJANGO_SECURE_SSL_REDIRECT=0.
production_env() {
  export DJANGO_DEBUG=0  # explicitly: manage.py would otherwise take DJANGO_DEBUG=1 from a developer's .env
  export DJANGO_SECRET_KEY
  DJANGO_SECRET_KEY=$("$BIN/python" -c "import secrets; print(secrets.token_urlsafe(64))")
  export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
  export DJANGO_SECURE_SSL_REDIRECT=0
  export DJANGO_VAR_DIR=$1
  export DATABASE_URL=postgres://$PG_USER@$PG_HOST:$PG_PORT/$2
  export DB_CONN_MAX_AGE=60
}
