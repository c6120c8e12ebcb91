import { describe, expect, it } from 'vitest';
import { PeriodicWarning } from './periodic-warning.js';

describe('PeriodicWarning', () => {
  it('writes the first event at once, then one line per interval with the count since the last', async () => {
    const lines: number[] = [];
    const warning = new PeriodicWarning((count) => lines.push(count), 50);
    warning.add();
    for (let i = 0; i < 1000; i++) warning.add(2);
    expect(lines).toEqual([1]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    warning.add();
    expect(lines).toEqual([1, 2001]);
  });
});
