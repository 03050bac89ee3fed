#!/bin/bash
# cvw-sipua uac calls SIPp (uas_rr.xml) directly over TCP, 100 calls.
# The test itself is uac_to_sipp_uas.sh.
exec bash "$(dirname "$0")/uac_to_sipp_uas.sh" tcp
