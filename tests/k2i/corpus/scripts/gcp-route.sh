#!/bin/sh
# gcp-route.sh: the corpus's stand-in for
# a notify script that points a GCP route at this instance (gcloud compute routes).
# Records its arguments in state/notify.log when a test made state/ in its copy of the corpus
# (beside scripts/, which the tests mount as /etc/keepalived). Always exits 0.
state=${0%/*}/../state
if [ -d "$state" ]; then
	printf '%s\n' "gcp-route.sh $*" >>"$state/notify.log"
fi
exit 0
