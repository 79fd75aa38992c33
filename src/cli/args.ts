/**
 * The argument walk every subcommand shares: `--flag value` and `--flag=value` for flags that take a
 * value, bare `--flag` for switches, `-` and anything not starting with `-` as positional arguments.
 * Bad usage throws UsageError, which the subcommand turns into its usage text and exit code 2.
 */

export class UsageError extends Error {}

/** What a subcommand accepts. */
export interface FlagTable {
  /** Flags that take a value, given as `--flag value` or `--flag=value`. */
  readonly values?: Readonly<Record<string, (value: string) => void>>;
  /**
   * Flags that take none (`--flag=x` is an unknown option). A handler that returns `'stop'` ends the
   * walk there (e.g. `--help`), leaving the rest of argv unread.
   */
  readonly switches?: Readonly<Record<string, () => void | 'stop'>>;
  /**
   * Called for each positional argument in the walk's order (for commands whose flags and positional
   * arguments fill one list).
   * @default collected into `ParsedArgs.positional`
   */
  readonly positional?: (arg: string) => void;
}

/** What the walk found. */
export interface ParsedArgs {
  /** The positional arguments, unless the table has a `positional` handler. */
  readonly positional: string[];
  /** True when a switch stopped the walk. */
  readonly stopped: boolean;
}

const own = <T>(table: Readonly<Record<string, T>> | undefined, key: string): T | undefined =>
  table !== undefined && Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;

/** Walks argv, calling the table's handlers in order; returns the positional arguments. */
export function parseArgs(argv: readonly string[], flags: FlagTable): ParsedArgs {
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let inline: string | undefined;
    if (a.startsWith('--') && a.includes('=')) { inline = a.slice(a.indexOf('=') + 1); a = a.slice(0, a.indexOf('=')); }
    const withValue = own(flags.values, a);
    const sw = inline === undefined ? own(flags.switches, a) : undefined;
    if (withValue) {
      if (inline === undefined && i + 1 >= argv.length) throw new UsageError(`${a} needs a value`);
      withValue(inline ?? argv[++i]);
    } else if (sw) {
      if (sw() === 'stop') return { positional, stopped: true };
    } else if (a === '-' || !a.startsWith('-')) {
      if (flags.positional) flags.positional(a);
      else positional.push(a);
    } else {
      throw new UsageError(`unknown option ${a}`);
    }
  }
  return { positional, stopped: false };
}
