#!/bin/sh
# check_net.sh: the corpus's stand-in for
# a check of the default gateway (a vrrp_script).
# Healthy (exit 0) unless a test created state/check_net.fail in its copy of the corpus (beside
# scripts/, which the tests mount as /etc/keepalived); then it fails (exit 1).
[ ! -e "${0%/*}/../state/check_net.fail" ]
