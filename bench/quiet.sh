#!/usr/bin/env bash
# Runs "$@" with every other .NET, Python and Chromium process on the machine paused (SIGSTOP) and resumes them
# afterwards, so that timings on this shared 2-core machine measure the command and not its neighbours.
# One quiet command at a time: a second caller waits for the lock.
#   bench/quiet.sh mnist train --arch default --json
set -u
exec 9>/tmp/mnist-quiet.lock
flock 9
ancestors=" "
p=$$
while [ "$p" -gt 1 ]; do ancestors+="$p "; p=$(ps -o ppid= -p "$p" | tr -d ' '); done
paused=()
for pid in $(pgrep -f 'dotnet|python|chromium|mnist'); do
  [[ "$ancestors" == *" $pid "* ]] || paused+=("$pid")
done
resume() { [ ${#paused[@]} -eq 0 ] || kill -CONT "${paused[@]}" 2>/dev/null; }
trap resume EXIT
[ ${#paused[@]} -eq 0 ] || kill -STOP "${paused[@]}" 2>/dev/null
echo "quiet: paused ${#paused[@]} processes at $(date -u +%H:%M:%SZ)" >&2
"$@"
