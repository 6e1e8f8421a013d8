export interface ScriptSpec {
  /** The program and its arguments: run directly, never through a shell. */
  command: string;
  args: string[];
  cwd: string;
  /** Added to a copy of the bot's environment from which its own secrets were removed. */
  env: Record<string, string>;
  timeoutMs: number;
  /** After the timeout: SIGTERM to the process group, then SIGKILL after this long. */
  killGraceMs: number;
  /** Every line of output (stdout and stderr) is appended here. */
  outputFile: string;
  onStart?: (pid: number) => void;
  onLine?: (line: string) => void;
}

export interface ScriptOutcome {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  lines: number;
  durationMs: number;
}

export interface ScriptRunner {
  /** Whether `command` can be run from `cwd`; throws SCRIPT_NOT_RUNNABLE saying why. Returns the resolved path. */
  check(command: string, cwd: string): Promise<string>;
  /** Runs the script to its end (or its timeout). Throws SCRIPT_NOT_RUNNABLE when it cannot start. */
  run(spec: ScriptSpec): Promise<ScriptOutcome>;
}
