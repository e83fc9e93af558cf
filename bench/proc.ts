/** Memory figures of local processes, from /proc (Linux). */
import { readFileSync } from 'node:fs';

/** A `kB` field of /proc/<pid>/status in MB, or null when the process or field is gone. */
function statusFieldMb(pid: number | 'self', field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Peak resident set size (VmHWM) since the process started, in MB. */
export const peakRssMb = (pid: number | 'self'): number | null => statusFieldMb(pid, 'VmHWM');

/** Current resident set size (VmRSS), in MB. */
export const rssMb = (pid: number | 'self'): number | null => statusFieldMb(pid, 'VmRSS');

/** Pid of a local stack component from $SLUICE_RUN_DIR/<name>.pid (stack/proc.sh), or null. */
export function componentPid(runDir: string, name: string): number | null {
  try {
    const pid = Number(readFileSync(`${runDir}/${name}.pid`, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** CPU time (user + system) a process has used so far, in seconds, or null when it is gone. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may itself hold spaces).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (USER_HZ, 100 on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}
