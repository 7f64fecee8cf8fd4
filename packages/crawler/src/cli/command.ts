// The shape every `deferkit <command>` has, so main.ts can list, dispatch and suggest commands
// from one table (issue 18). Each command lives in its own module and exports one `Command`.

/** One `deferkit` sub-command: its name, its one-line summary for `deferkit --help`, its
 * `--help` text, and what runs it. */
export interface Command {
  /** The word after `deferkit` (`crawl`, `shell`, …). */
  readonly name: string;
  /** One line for `deferkit --help`. */
  readonly summary: string;
  /** The whole `deferkit <name> --help` text, ending in a newline. */
  readonly usage: string;
  /** Whether the command must run inside a project (a directory with deferkit.config.ts above it). */
  readonly needsProject?: boolean;
  /** Runs the command with the arguments after its name; resolves to the exit code. Throws
   * `UsageError` for a bad command line (main prints it and returns 2). */
  run(argv: string[]): Promise<number>;
}
