#!/bin/sh
# check_mysql.sh: the corpus's stand-in for
# a MySQL health check (mysqladmin ping) (a vrrp_script).
# Healthy (exit 0) unless a test created state/check_mysql.fail in its copy of the corpus (beside
# scripts/, which the tests mount as /etc/keepalived); then it fails (exit 1).
[ ! -e "${0%/*}/../state/check_mysql.fail" ]
