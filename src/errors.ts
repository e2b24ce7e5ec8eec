/** Every error the engine raises on purpose is a SepconvError; `code` is stable for programs to switch on. */
export class SepconvError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The model file cannot be decoded or is structurally wrong (truncated, bad wire type, cycles, dangling inputs). */
export class ModelFormatError extends SepconvError {
  constructor(message: string) {
    super('MODEL_FORMAT', message);
  }
}

/** One or more (op, node) pairs the engine does not implement; listed all at once. */
export class UnsupportedOpError extends SepconvError {
  constructor(readonly unsupported: { op: string; node: string; reason?: string }[]) {
    super(
      'UNSUPPORTED_OP',
      `unsupported operator(s): ${unsupported
        .map((u) => `${u.op} (node "${u.node}")${u.reason ? `: ${u.reason}` : ''}`)
        .join('; ')}`,
    );
  }
}

/** A node's attributes or input shapes violate the op's rules. */
export class ShapeError extends SepconvError {
  constructor(
    readonly node: string,
    readonly op: string,
    message: string,
  ) {
    super('SHAPE', `${op} node "${node}": ${message}`);
  }
}

/** A user-supplied input has the wrong name, shape, dtype or length. */
export class InputError extends SepconvError {
  constructor(message: string) {
    super('INPUT', message);
  }
}

/** A WebGPU failure: no adapter, shader compilation, out of limits, device lost. */
export class GpuError extends SepconvError {
  constructor(message: string, code = 'GPU') {
    super(code, message);
  }
}

/** The CPU backend's worker died or could not start; `retried` says whether the run had already been retried once. */
export class WorkerError extends SepconvError {
  constructor(
    message: string,
    readonly retried = false,
    code = 'WORKER',
  ) {
    super(code, message);
  }
}

/** A model URL could not be downloaded whole: a failed request, an HTTP error status, or a short body. */
export class FetchError extends SepconvError {
  constructor(
    readonly url: string,
    message: string,
    readonly status?: number,
  ) {
    super('FETCH', `cannot fetch "${url}": ${message}`);
  }
}

/** A model given to a vision task (createFaceDetector…) is not one that task can decode: wrong inputs or outputs. */
export class TaskModelError extends SepconvError {
  constructor(message: string) {
    super('TASK_MODEL', message);
  }
}
