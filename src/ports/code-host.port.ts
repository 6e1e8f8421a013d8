export interface CodeHost {
  /** Files changed between two versions (base...head), or throws a coded error with the reason. */
  changedFiles(base: string, head: string): Promise<string[]>;
}
