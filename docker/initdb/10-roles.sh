#!/bin/sh
# First start of the PostgreSQL container only (docker-entrypoint-initdb.d), as its superuser: the production roles of
# the README's "Production database roles". The superuser is used for nothing else.
#   peer_owner  owns the schema and runs the migrations (the API's DATABASE_MIGRATION_URL): no SUPERUSER, no BYPASSRLS,
#               no CREATEROLE (peer_app is created here, and the owner may grant it: ADMIN OPTION)
#   peer_app    the role every request transaction becomes (NOLOGIN, NOBYPASSRLS; the migrations grant it its tables)
#   peer_server the API's login role (DATABASE_URL): no privilege of its own (NOINHERIT), may only become peer_app
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$PEER_OWNER_PASSWORD" -v server_password="$PEER_SERVER_PASSWORD" <<'SQL'
CREATE ROLE peer_owner LOGIN PASSWORD :'owner_password' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
CREATE ROLE peer_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
GRANT peer_app TO peer_owner WITH ADMIN OPTION;
CREATE ROLE peer_server LOGIN PASSWORD :'server_password' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
GRANT peer_app TO peer_server;
CREATE DATABASE peer_networks OWNER peer_owner;
REVOKE ALL ON DATABASE peer_networks FROM PUBLIC;
GRANT CONNECT ON DATABASE peer_networks TO peer_server;
SQL
