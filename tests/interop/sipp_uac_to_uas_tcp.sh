#!/bin/bash
# SIPp (uac_rr.xml, uac_reinvite.xml) calls cvw-sipua uas directly over TCP.
# The test itself is sipp_uac_to_uas.sh.
exec bash "$(dirname "$0")/sipp_uac_to_uas.sh" tcp
