import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_ANSWERS, type ErrorAnswer } from './franceconnect.errors.js';

/** The root's own code: never raised by itself. */
const ROOT_CODE = 'FC_ERROR';

/** The rows `| \`FC_…\` | status | when |` of a README's error table: code → status column. */
function errorTable(path: string): Map<string, string> {
  const text = readFileSync(new URL(path, import.meta.url), 'utf8');
  const section = text.slice(text.indexOf('| code | status | when |'));
  const rows = new Map<string, string>();
  for (const line of section.split('\n').slice(2)) {
    const match = /^\| `(FC_[A-Z_]+)` \| ([^|]+) \|/.exec(line);
    if (!match) break;
    rows.set(match[1]!, match[2]!.trim());
  }
  return rows;
}

/** What the status column says for an answer. */
function statusColumn(answer: ErrorAnswer): string {
  return { 'start-up': 'start-up', cli: 'CLI', call: '—', http: String(answer.status) }[answer.surfaces];
}

describe.each([
  ['the repository README', '../../../../README.md'],
  ["the package's README", '../../README.package.md'],
])('the error table of %s', (_name, path) => {
  const table = errorTable(path);
  const codes = Object.keys(ERROR_ANSWERS).filter((code) => code !== ROOT_CODE);

  it('lists every code the library raises, and no other', () => {
    expect([...table.keys()].sort()).toEqual([...codes].sort());
  });

  it.each(codes)('gives %s the status it is answered with', (code) => {
    const answer = ERROR_ANSWERS[code as keyof typeof ERROR_ANSWERS];
    // FC_CALLBACK_ERROR's status depends on the platform's error: the column lists each.
    if (code === 'FC_CALLBACK_ERROR') expect(table.get(code)).toMatch(/400 others/);
    else expect(table.get(code)).toBe(statusColumn(answer));
  });
});
