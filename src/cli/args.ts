import type { Shape } from '../tensor.js';
import type { CliIo } from './io.js';

/** Bad command line: the CLI prints it with the command's usage and exits 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** Usage text of the subcommand that rejected the arguments, when known. */
    readonly usage?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** One subcommand; adding one to the CLI is one line in the table in index.ts. */
export interface Command {
  readonly name: string;
  /** One line for `sepconv --help` (default: the first line of usage). */
  readonly summary?: string;
  /** Full usage text for `sepconv <name> --help` and usage errors. */
  readonly usage: string;
  /** Returns the exit code; throws UsageError (exit 2) or SepconvError (exit 1). */
  run(args: string[], io?: CliIo): Promise<number>;
}

export interface FlagSpec {
  /** 'boolean' flags take no value; 'string' flags take the next argument or `--flag=value`. */
  readonly [flag: string]: 'boolean' | 'string' | 'string[]';
}

export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | string[] | true>;
}

/** Parses `--flag value`, `--flag=value` and positionals against a spec; unknown flags are usage errors. */
export function parseArgs(args: readonly string[], spec: FlagSpec, usage?: string): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | string[] | true>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-' || /^-\d/.test(a)) {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = (eq >= 0 ? a.slice(0, eq) : a).replace(/^--?/, '');
    const kind = spec[name];
    if (kind === undefined) throw new UsageError(`unknown option ${a.slice(0, eq >= 0 ? eq : undefined)}`, usage);
    if (kind === 'boolean') {
      if (eq >= 0) throw new UsageError(`option --${name} takes no value`, usage);
      flags.set(name, true);
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = a.slice(eq + 1);
    else {
      value = args[++i];
      if (value === undefined) throw new UsageError(`option --${name} needs a value`, usage);
    }
    if (kind === 'string[]') {
      const prev = flags.get(name);
      flags.set(name, [...(Array.isArray(prev) ? prev : []), value]);
    } else flags.set(name, value);
  }
  return { positionals, flags };
}

export function stringFlag(p: ParsedArgs, name: string): string | undefined {
  const v = p.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

/** A positive integer option, or the default when absent. */
export function intFlag(p: ParsedArgs, name: string, fallback: number, usage?: string): number {
  const v = stringFlag(p, name);
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || Number(v) <= 0) throw new UsageError(`--${name} must be a positive integer, got "${v}"`, usage);
  return Number(v);
}

/** '1x3x224x224' (or '1,3,224,224') -> [1, 3, 224, 224]. */
export function parseShape(text: string, usage?: string): Shape {
  const parts = text.split(/[x,×]/i);
  if (parts.length === 0 || parts.some((p) => !/^\d+$/.test(p.trim()) || Number(p) <= 0))
    throw new UsageError(`invalid shape "${text}"; write it like 1x3x224x224`, usage);
  return parts.map(Number);
}

/** `--input-shape 1x3x224x224` (the only input) or `--input-shape name=1x3x224x224` (repeatable). */
export function parseInputShapes(values: readonly string[], usage?: string): Shape | Record<string, Shape> | undefined {
  if (values.length === 0) return undefined;
  const named = values.filter((v) => v.includes('='));
  if (named.length === 0 && values.length === 1) return parseShape(values[0]!, usage);
  if (named.length !== values.length)
    throw new UsageError('with several --input-shape options, name each one: --input-shape name=1x3x224x224', usage);
  const out: Record<string, Shape> = {};
  for (const v of values) {
    const eq = v.lastIndexOf('=');
    const name = v.slice(0, eq);
    if (name === '' || name in out) throw new UsageError(`input name missing or repeated in --input-shape ${v}`, usage);
    out[name] = parseShape(v.slice(eq + 1), usage);
  }
  return out;
}
