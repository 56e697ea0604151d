#!/bin/sh
# aws-eip.sh: the corpus's stand-in for
# a notify script that moves an AWS elastic IP (aws ec2 associate-address).
# Records its arguments in state/notify.log when a test made state/ in its copy of the corpus
# (beside scripts/, which the tests mount as /etc/keepalived). Always exits 0.
state=${0%/*}/../state
if [ -d "$state" ]; then
	printf '%s\n' "aws-eip.sh $*" >>"$state/notify.log"
fi
exit 0
