#!/bin/sh
# pg_promote.sh: the corpus's stand-in for
# a notify script that promotes the local PostgreSQL standby (pg_ctl promote).
# Records its arguments in state/notify.log when a test made state/ in its copy of the corpus
# (beside scripts/, which the tests mount as /etc/keepalived). Always exits 0.
state=${0%/*}/../state
if [ -d "$state" ]; then
	printf '%s\n' "pg_promote.sh $*" >>"$state/notify.log"
fi
exit 0
