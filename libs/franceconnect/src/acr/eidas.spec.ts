import { describe, expect, it } from 'vitest';
import { AcrError, AcrTooLowError } from '../errors/franceconnect.errors.js';
import { assertAcrSatisfies, isEidasLevel, satisfiesEidas } from './eidas.js';

describe('eIDAS levels', () => {
  it('compares levels as ordered numbers', () => {
    expect(satisfiesEidas('eidas3', 'eidas2')).toBe(true);
    expect(satisfiesEidas('eidas2', 'eidas2')).toBe(true);
    expect(satisfiesEidas('eidas1', 'eidas2')).toBe(false);
    expect(satisfiesEidas('eidas2', 'eidas3')).toBe(false);
  });

  it('never lets an unknown or missing value satisfy a level', () => {
    for (const value of [undefined, null, '', 'eidas0', 'eidas4', 'EIDAS3', 3, 'eidas10']) {
      expect(satisfiesEidas(value, 'eidas1')).toBe(false);
      expect(isEidasLevel(value)).toBe(false);
    }
  });

  it('accepts a returned level at least the requested one', () => {
    expect(assertAcrSatisfies('eidas3', 'eidas2')).toBe('eidas3');
    expect(assertAcrSatisfies('eidas2', 'eidas2')).toBe('eidas2');
  });

  it('rejects a lower level with an error naming both levels', () => {
    const error = catchError(() => assertAcrSatisfies('eidas2', 'eidas3', 'fcp'));
    expect(error).toBeInstanceOf(AcrTooLowError);
    expect(error.message).toContain('eidas2');
    expect(error.message).toContain('eidas3');
    expect((error as AcrTooLowError).code).toBe('FC_ACR_TOO_LOW');
  });

  it('rejects a missing or unknown acr with an error naming the value', () => {
    const missing = catchError(() => assertAcrSatisfies(undefined, 'eidas2'));
    expect(missing).toBeInstanceOf(AcrError);
    expect((missing as AcrError).code).toBe('FC_ACR_INVALID');
    const unknown = catchError(() => assertAcrSatisfies('eidas0', 'eidas1'));
    expect(unknown.message).toContain('"eidas0"');
    expect(unknown).not.toBeInstanceOf(AcrTooLowError);
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}
