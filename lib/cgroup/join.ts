/**
 * A command line that joins a cgroup before the real program starts: a
 * shell writes its own pid into each cgroup.procs and then execs the
 * program, so not even the program's first instruction runs unlimited.
 */
import type { Cgroup } from './group.js';

/** Exit code of the wrapper when it could not join the cgroup. */
export const JOIN_FAILED_EXIT = 97;

const JOIN_THEN_EXEC = `while [ "$1" != -- ]; do echo $$ > "$1" || exit ${JOIN_FAILED_EXIT}; shift; done; shift; exec "$@"`;

export function inCgroupCommand(cgroup: Cgroup | null, command: readonly string[]): string[] {
  if (!cgroup) return [...command];
  return ['/bin/sh', '-c', JOIN_THEN_EXEC, 'clouddetect-join', ...cgroup.procsFiles(), '--', ...command];
}
