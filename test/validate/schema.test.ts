/** The experiment's `validation` and `theory` fields (src/spec/schema.ts): defaults, shorthand, errors. */
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/experiment/load.js';

const base = { name: 'x', data: { file: 'a.csv' }, targets: { A: 1 }, space: { bands: { absolute: { width: 0.1 } } } };
const parse = (extra: Record<string, unknown>) => parseExperiment({ ...base, ...extra }, 'exp.json');
const error = (extra: Record<string, unknown>): string => {
  try {
    parse(extra);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('no error');
};

describe('validation field', () => {
  it('walk-forward with defaults; absent when not given', () => {
    expect(parse({ validation: { kind: 'walk-forward', train: '3y', test: '1y' } }).validation).toEqual({
      kind: 'walk-forward',
      train: '3y',
      test: '1y',
      maxConfigs: 20_000,
    });
    expect(parse({ validation: { kind: 'walk-forward', train: '18m', test: '30d', step: '6w', maxConfigs: 10 } }).validation).toEqual({
      kind: 'walk-forward',
      train: '18m',
      test: '30d',
      step: '6w',
      maxConfigs: 10,
    });
    expect(parse({}).validation).toBeUndefined();
  });

  it('split, also as the shorthand { split: date }', () => {
    expect(parse({ validation: { kind: 'split', at: '2018-01-01' } }).validation).toEqual({ kind: 'split', at: '2018-01-01', maxConfigs: 20_000 });
    expect(parse({ validation: { split: '2018-01-01' } }).validation).toEqual({ kind: 'split', at: '2018-01-01', maxConfigs: 20_000 });
  });

  it('errors name the file and the field', () => {
    expect(error({ validation: { kind: 'walk-forward', train: '3 years', test: '1y' } })).toMatch(
      /^exp\.json: the experiment is not valid:\n {2}validation\.train: expected a duration like "3y", "18m", "6w" or "30d", got "3 years"/,
    );
    expect(error({ validation: { split: '2018/01/01' } })).toMatch(/validation\.split: expected an ISO date YYYY-MM-DD, got "2018\/01\/01"/);
    expect(error({ validation: { kind: 'split', at: '2018-01-01', train: '1y' } })).toMatch(/validation: unknown field "train"/);
    expect(error({ validation: { kind: 'walkforward' } })).toMatch(/validation\.kind/);
    expect(error({ validation: { kind: 'walk-forward', train: '0y', test: '1y' } })).toMatch(/validation\.train/);
  });
});

describe('theory field', () => {
  it('riskAversion defaults to 5 and must be positive', () => {
    expect(parse({ theory: {} }).theory).toEqual({ riskAversion: 5 });
    expect(parse({ theory: { riskAversion: 2 } }).theory).toEqual({ riskAversion: 2 });
    expect(error({ theory: { riskAversion: 0 } })).toMatch(/theory\.riskAversion/);
  });
});
