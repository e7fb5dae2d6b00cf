// Plain data for one server's state (see shared spec server-states.md). The pure transition
// function in server-state.ts maps (state, event, now) to a new state plus effects.

/** Admin flag bits, as HAProxy's srv_admin_state. */
export const AdminFlag = {
  FMAINT: 0x01,
  IMAINT: 0x02,
  CMAINT: 0x04,
  FDRAIN: 0x08,
  IDRAIN: 0x10,
  RMAINT: 0x20,
  HMAINT: 0x40,
} as const;
export const MAINT_MASK = AdminFlag.FMAINT | AdminFlag.IMAINT | AdminFlag.CMAINT | AdminFlag.RMAINT | AdminFlag.HMAINT;
export const DRAIN_MASK = AdminFlag.FDRAIN | AdminFlag.IDRAIN;

/** Operational state, as HAProxy's srv_op_state. */
export const enum OpState {
  STOPPED = 0,
  STARTING = 1,
  RUNNING = 2,
  STOPPING = 3,
}

/** Check status codes with HAProxy's numbering (srv_check_status). */
export type CheckStatusCode =
  | 'UNK' | 'INI' | 'CHECKED' | 'HANA' | 'SOCKERR' | 'L4OK' | 'L4TOUT' | 'L4CON'
  | 'L6OK' | 'L6TOUT' | 'L6RSP' | 'L7TOUT' | 'L7RSP' | 'L7OK' | 'L7OKC' | 'L7STS'
  | 'PROCERR' | 'PROCTOUT' | 'PROCOK';

export interface CheckState {
  configured: boolean;
  enabled: boolean; // false after `disable health|agent`
  running: boolean; // a probe is in flight right now
  health: number; // 0 .. rise+fall-1
  rise: number;
  fall: number;
  status: CheckStatusCode;
  code?: number; // L7 status code
  durationMs?: number;
  desc: string; // last_chk / last_agt text
}

export interface ServerState {
  admin: number; // AdminFlag bits
  op: OpState;
  check: CheckState;
  agent: CheckState;
  /** Weight as the operator sees it (0..256); the config value is initialWeight. */
  weight: number;
  initialWeight: number;
  /** true once an operator changed the weight (survives reload, shared by the fleet). */
  weightSetByOperator: boolean;
  chkfail: number;
  chkdown: number;
  lastChangeMs: number;
  /** Accumulated ms in STOPPED, plus the running stretch since downSinceMs when stopped. */
  downtimeMs: number;
  downSinceMs?: number;
  /** slowstart ramp start (ms) when the server last came up; undefined when not ramping. */
  rampStartMs?: number;
}
