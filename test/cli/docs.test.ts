/** The project's own docs: `--help` points at them, the README links them, and they exist in the repository. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../src/kernel/metrics.js';
import { BAND_TYPES, MODES, NAMED_SCHEDULES } from '../../src/policy/types.js';
import { RESULT_COLUMNS } from '../../src/results/table.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (f: string): string => readFileSync(path.join(ROOT, f), 'utf8');

describe('docs', () => {
  it('--help ends with the paths of definitions.md and file-formats.md, and both files exist there', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/rebalance-lab.js'), '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const paths = [...r.stdout.matchAll(/(\S+\/docs\/[\w-]+\.md)/g)].map((m) => m[1]);
    expect(paths.map((p) => path.basename(p))).toEqual(['definitions.md', 'file-formats.md']);
    for (const p of paths) expect(existsSync(p), p).toBe(true);
  });

  it('the README links only docs inside the repository for what the numbers mean', () => {
    const readme = read('README.md');
    const section = readme.slice(readme.indexOf('## What the numbers mean'), readme.indexOf('## Layout'));
    expect(section).not.toMatch(/\.\.\/shared|\.\.\//);
    const links = [...section.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]);
    expect(links).toEqual(expect.arrayContaining(['docs/definitions.md', 'docs/file-formats.md', 'docs/architecture.md']));
    for (const l of links) expect(existsSync(path.join(ROOT, l)), l).toBe(true);
  });

  it('definitions.md defines every metric, band, mode and schedule; file-formats.md lists every results.csv column', () => {
    const defs = read('docs/definitions.md');
    for (const name of [...METRICS, ...BAND_TYPES, ...MODES, ...NAMED_SCHEDULES, 'feeBps', 'halfSpreadBps', 'fixedFee', 'minTrade'])
      expect(defs, name).toContain(`\`${name}\``);
    const formats = read('docs/file-formats.md');
    for (const c of RESULT_COLUMNS) expect(formats, c).toContain(`\`${c}\``);
  });
});
