#!/bin/sh
# check_pg.sh: the corpus's stand-in for
# a PostgreSQL health check (pg_isready, a query) (a vrrp_script).
# Healthy (exit 0) unless a test created state/check_pg.fail in its copy of the corpus (beside
# scripts/, which the tests mount as /etc/keepalived); then it fails (exit 1).
[ ! -e "${0%/*}/../state/check_pg.fail" ]
