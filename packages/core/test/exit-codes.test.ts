import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES, ReefError, closestName, debugRequested, describeFailure, formatFailure, printable } from '../src/index.js';

describe('printable: the one escaper for untrusted text', () => {
  it('escapes C0/C1 controls, line separators and bidi overrides as \\u escapes, keeps other text, cuts long text', () => {
    expect(printable('a\u001b[31mred\nline\rx\u0000\u007f\u009b\u2028\u202e\u2066ok é 模型')).toBe('a\\u001b[31mred\\u000aline\\u000dx\\u0000\\u007f\\u009b\\u2028\\u202e\\u2066ok é 模型');
    expect(printable('x'.repeat(10), 4)).toBe('xxxx…');
    expect(printable('plain "quoted" \\ path')).toBe('plain "quoted" \\ path');
  });
});

describe('exit codes', () => {
  it('classifies ReefErrors by code, file-system errors as bad input, anything else as internal', () => {
    expect(describeFailure(new ReefError('USAGE', 'x')).exitCode).toBe(EXIT_CODES.usage);
    expect(describeFailure(new ReefError('INVALID_PARAM', 'x')).exitCode).toBe(EXIT_CODES.usage);
    expect(describeFailure(new ReefError('BAD_FILE', 'x')).exitCode).toBe(EXIT_CODES.badInput);
    expect(describeFailure(new ReefError('PLUGIN_API_VERSION', 'x')).exitCode).toBe(EXIT_CODES.badInput);
    expect(describeFailure(new ReefError('REPOSITORY', 'x')).exitCode).toBe(EXIT_CODES.repository);
    expect(describeFailure(new ReefError('LOCKED', 'x')).exitCode).toBe(EXIT_CODES.repository);
    expect(describeFailure(new ReefError('MISSING_SERVICE', 'x')).exitCode).toBe(EXIT_CODES.internal);
    let enoent: unknown;
    try {
      readFileSync('/nonexistent/reef\u001b.txt');
    } catch (err) {
      enoent = err;
    }
    expect(describeFailure(enoent)).toMatchObject({ exitCode: EXIT_CODES.badInput, lines: ['no such file: /nonexistent/reef\\u001b.txt'] });
    const bug = describeFailure(new TypeError('x is undefined\nsecond line'));
    expect(bug).toMatchObject({ exitCode: EXIT_CODES.internal, internal: true, lines: ['internal error: TypeError: x is undefined'] });
  });

  it('formats one line per failure, further lines of a message indented, the stack only when debugging', () => {
    const refusal = new ReefError('INVALID_PARAM', 'no valid configuration:\n  a: too big');
    expect(formatFailure(refusal, 'reef-sweep', false)).toEqual({ exitCode: 2, lines: ['reef-sweep: no valid configuration:', '    a: too big'] });
    const bug = formatFailure(new RangeError('boom'), 'reef', false);
    expect(bug.lines).toEqual(['reef: internal error: RangeError: boom (a bug: rerun with --debug or REEF_DEBUG=1 for the stack trace, and report it)']);
    const traced = formatFailure(new ReefError('BAD_FILE', 'bad', { cause: new Error('inner') }), 'reef', true).lines;
    expect(traced[0]).toBe('reef: bad');
    expect(traced.some((l) => /^\s+at /.test(l))).toBe(true);
    expect(traced).toContain('caused by:');
  });

  it('debug is asked by --debug before any "--", or by REEF_DEBUG other than "" and "0"', () => {
    expect(debugRequested(['status', '--debug'], {})).toBe(true);
    expect(debugRequested(['add', '--', '--debug'], {})).toBe(false);
    expect(debugRequested([], { REEF_DEBUG: '1' })).toBe(true);
    expect(debugRequested([], { REEF_DEBUG: '0' })).toBe(false);
    expect(debugRequested([], { REEF_DEBUG: '' })).toBe(false);
  });

  it('suggests the closest name only when it is close', () => {
    const options = ['--budget', '--bits', '--oneline', '--methods', '--dataset'];
    expect(closestName('--budgte', options)).toBe('--budget');
    expect(closestName('--onelin', options)).toBe('--oneline');
    expect(closestName('--meth', options)).toBe('--methods');
    expect(closestName('--bitz', options)).toBe('--bits');
    expect(closestName('--frobnicate', options)).toBeUndefined();
  });
});
