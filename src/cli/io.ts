import { readFile } from 'node:fs/promises';
import { SepconvError } from '../errors.js';

/** Where a command writes; tests pass a capturing one, the binary uses process streams. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (text) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => void process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/** Collects everything written, for in-process tests and embedding. */
export function captureIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => void stdout.push(t), err: (t) => void stderr.push(t) };
}

/** A file the CLI was pointed at cannot be read (missing, a directory, no permission). */
export class FileReadError extends SepconvError {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super('FILE', `cannot read "${path}": ${reason}`);
  }
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

export async function readBytes(path: string): Promise<Uint8Array> {
  try {
    const buf = await readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw new FileReadError(path, REASONS[code] ?? (e as Error).message);
  }
}
