#!/bin/bash
# Stands in for an aws stage that never ends: notes its arguments in spawns.log in its working directory, one
# line per start, then waits until killed (still named by its arguments, so a test can find what it left).
echo "$*" >> spawns.log
exec -a "note-start $*" sleep 600
