// Typed errors survive the worker boundary: serialised, structured-cloned, revived as the same class and fields.
import { describe, expect, it } from 'vitest';
import { reviveError, serializeError } from '../src/cpu/error-codec.js';
import { GpuError, InputError, ModelFormatError, SepconvError, ShapeError, UnsupportedOpError, WorkerError } from '../src/errors.js';

const cases: [string, Error][] = [
  ['ModelFormatError', new ModelFormatError('truncated at byte 12')],
  ['UnsupportedOpError', new UnsupportedOpError([{ op: 'Loop', node: 'l0', reason: 'control flow' }, { op: 'If', node: 'i1' }])],
  ['ShapeError', new ShapeError('conv1', 'Conv', 'kernel 3x3 larger than the padded input 2x2')],
  ['InputError', new InputError('input "x": expected shape [1,3,8,8], got [1,3,8,9]')],
  ['GpuError', new GpuError('device lost', 'GPU_LOST')],
  ['WorkerError', new WorkerError('the CPU worker died', true)],
  ['SepconvError', new SepconvError('LIMIT', 'too big')],
  ['RangeError', new RangeError('offset out of bounds')],
  ['TypeError', new TypeError('x is not a function')],
];

describe('worker error codec', () => {
  for (const [name, e] of cases)
    it(`${name}: same class, name, code, message and fields after a structured clone`, () => {
      const back = reviveError(structuredClone(serializeError(e)));
      expect(back.constructor).toBe(e.constructor);
      expect(back).toBeInstanceOf(Error);
      if (e instanceof SepconvError) expect(back).toBeInstanceOf(SepconvError);
      expect(back.name).toBe(e.name);
      expect(back.message).toBe(e.message);
      expect({ ...back }).toEqual({ ...e });
      expect(back.stack).toBe(e.stack);
    });

  it('a thrown non-Error and an unknown class become plain Errors with the message', () => {
    expect(reviveError(serializeError('boom')).message).toBe('boom');
    class Odd extends Error {
      override name = 'Odd';
      fn = () => 1;
    }
    const back = reviveError(structuredClone(serializeError(new Odd('strange'))));
    expect(back.constructor).toBe(Error);
    expect(back.name).toBe('Odd');
    expect(back.message).toBe('strange');
    expect((back as unknown as { fn?: unknown }).fn).toBeUndefined();
  });
});
